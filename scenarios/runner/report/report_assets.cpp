#include "scenarios/runner/report/report_assets.hpp"

namespace kmslab::scenario::report {

std::string_view report_css() {
  return R"css(
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa;--card:#fff;
--passed:#1a7f37;--passed-bg:#dafbe1;--failed:#cf222e;--failed-bg:#ffebe9;--error:#bc4c00;
--error-bg:#fff1e5;--other:#6e7781;--other-bg:#eaeef2;--uncovered:#9a6700;--uncovered-bg:#fff8c5;
--kv:#0969da;--plugin:#8250df;--clock:#bf8700;--proc:#57606a;
--mono:ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,Consolas,monospace}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:14px/1.45 system-ui,-apple-system,"Segoe UI","DejaVu Sans",Roboto,sans-serif}
main{max-width:1200px;margin:0 auto;padding:16px 20px 40px}
h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:22px 0 8px}
h3{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);margin:14px 0 6px}
h4{font-size:12px;color:var(--muted);margin:0 0 3px;font-weight:600}
code,pre{font-family:var(--mono);font-size:12px}
pre{background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:8px 10px;margin:0;
white-space:pre-wrap;word-break:break-word;max-height:340px;overflow:auto}
a{color:var(--kv);text-decoration:none}a:hover{text-decoration:underline}
.hint{color:var(--muted);margin:4px 0}
header.run{background:var(--card);border:1px solid var(--line);border-left:6px solid var(--other);
border-radius:8px;padding:12px 16px}
header.verdict-passed{border-left-color:var(--passed)}header.verdict-failed{border-left-color:var(--failed)}
.verdict{font-size:14px;font-weight:600;padding:2px 10px;border-radius:999px;vertical-align:middle;
background:var(--other-bg);color:var(--other);margin-left:6px}
.verdict-passed .verdict{background:var(--passed-bg);color:var(--passed)}
.verdict-failed .verdict{background:var(--failed-bg);color:var(--failed)}
.facts{display:flex;flex-wrap:wrap;gap:4px 22px;margin:0}.facts div{display:flex;gap:6px}
.facts dt{color:var(--muted)}.facts dd{margin:0;font-family:var(--mono);font-size:13px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 14px;
min-width:110px;display:flex;flex-direction:column;border-top:4px solid var(--line)}
.card .value{font-size:24px;font-weight:700;font-variant-numeric:tabular-nums}
.card .label{color:var(--muted);font-size:12px}
.card.st-passed{border-top-color:var(--passed)}.card.st-passed .value{color:var(--passed)}
.card.st-failed{border-top-color:var(--failed)}.card.st-failed .value{color:var(--failed)}
.card.st-error{border-top-color:var(--error)}.card.st-error .value{color:var(--error)}
.card.uncovered,.card.gaps{border-top-color:var(--uncovered)}.card.uncovered .value{color:var(--uncovered)}
.card.covered{border-top-color:var(--passed)}
.failures ul{list-style:none;margin:0;padding:0}
.failure{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--failed);
border-radius:6px;padding:6px 10px;margin:6px 0}.failure.st-error{border-left-color:var(--error)}
.failure a{font-weight:600}.failure .why{color:var(--fg)}
.rerun{display:flex;gap:8px;align-items:center;margin-top:4px}
.rerun code{background:#f6f8fa;border:1px solid var(--line);border-radius:4px;padding:2px 6px}
p.rerun{font-family:var(--mono);font-size:12px;color:var(--muted)}
button{font:inherit;font-size:12px;cursor:pointer;border:1px solid var(--line);background:var(--card);
border-radius:4px;padding:1px 8px}
.badge{display:inline-block;font-size:11px;font-weight:700;text-transform:uppercase;
letter-spacing:.03em;padding:1px 7px;border-radius:999px;background:var(--other-bg);color:var(--other)}
.badge.st-passed{background:var(--passed-bg);color:var(--passed)}
.badge.st-failed{background:var(--failed);color:#fff}
.badge.st-error{background:var(--error);color:#fff}
.badge.st-uncovered{background:var(--uncovered-bg);color:var(--uncovered);border:1px dashed var(--uncovered)}
.chip{display:inline-block;font-size:12px;padding:0 7px;border-radius:4px;margin:1px 2px;
border:1px solid var(--line);background:var(--card);color:var(--fg)}
.chip.st-passed{border-color:var(--passed);color:var(--passed)}
.chip.st-failed{border-color:var(--failed);background:var(--failed-bg);color:var(--failed);font-weight:600}
.chip.st-error{border-color:var(--error);background:var(--error-bg);color:var(--error);font-weight:600}
.chip.id{font-family:var(--mono);background:#ddf4ff;border-color:#b6e3ff;color:#0550ae}
.chip.tag{background:var(--other-bg);border-color:transparent;color:var(--muted)}
nav.filters{position:sticky;top:0;z-index:2;display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center;
background:var(--card);border:1px solid var(--line);border-radius:8px;padding:6px 12px;margin:14px 0 0;
box-shadow:0 1px 3px rgba(0,0,0,.06)}
nav .title{font-weight:600}nav .shown{margin-left:auto;color:var(--muted)}
nav label.st-passed{color:var(--passed)}nav label.st-failed{color:var(--failed)}nav label.st-error{color:var(--error)}
select,input[type=search]{font:inherit;font-size:13px;border:1px solid var(--line);border-radius:4px;padding:1px 4px}
table.seed-table{border-collapse:collapse;background:var(--card);border:1px solid var(--line);width:100%}
.seed-table th,.seed-table td{text-align:left;padding:1px 10px;border-bottom:1px solid var(--line);vertical-align:top}
.seed-table thead th{background:#f6f8fa;font-size:12px;color:var(--muted)}
.seed-table tbody th{width:70px}.seed-table td:nth-child(2){width:150px}
.seed-id{font-family:var(--mono);font-weight:700;border:0;background:none;padding:0;color:var(--fg)}
tr.seed.st-uncovered{background:repeating-linear-gradient(135deg,var(--uncovered-bg) 0 8px,#fffbdd 8px 16px)}
tr.seed.st-failed{background:var(--failed-bg)}tr.seed.st-error{background:var(--error-bg)}
tr.seed.selected{outline:2px solid var(--kv)}
.tiles{display:flex;flex-wrap:wrap;gap:4px;margin:0 0 8px}
.tile{font-family:var(--mono);font-weight:700;font-size:12px;min-width:38px;padding:3px 0;text-align:center;
border-radius:4px;border:1px solid var(--line);background:var(--card)}
.tile.st-passed{background:var(--passed-bg);border-color:var(--passed);color:var(--passed)}
.tile.st-failed{background:var(--failed);border-color:var(--failed);color:#fff}
.tile.st-error{background:var(--error);border-color:var(--error);color:#fff}
.tile.st-other{background:var(--other-bg);color:var(--other)}
.tile.st-uncovered{background:var(--uncovered-bg);border:1px dashed var(--uncovered);color:var(--uncovered)}
.tile.selected{outline:2px solid var(--kv);outline-offset:1px}
.none{color:var(--uncovered);font-style:italic}.note{font-size:11px;color:var(--muted)}
section.scenario{background:var(--card);border:1px solid var(--line);border-left:5px solid var(--other);
border-radius:8px;margin:8px 0}
section.scenario.st-passed{border-left-color:var(--passed)}section.scenario.st-failed{border-left-color:var(--failed)}
section.scenario.st-error{border-left-color:var(--error)}
section.scenario>details>summary{display:flex;flex-wrap:wrap;gap:4px 10px;align-items:center;
padding:8px 12px;cursor:pointer}
summary .name{font-weight:700;font-size:15px}summary .file{font-family:var(--mono);font-size:12px;color:var(--muted)}
summary .dur{color:var(--muted);font-variant-numeric:tabular-nums}summary .ids{margin-left:auto}
.scenario-body{padding:0 14px 12px;border-top:1px solid var(--line)}
.description{white-space:pre-line;color:var(--fg);margin:8px 0}
.message{background:var(--failed-bg);border:1px solid #ffcecb;border-left:4px solid var(--failed);
border-radius:6px;padding:6px 10px;margin:6px 0;white-space:pre-wrap;font-family:var(--mono);font-size:12px}
.timeline-wrap{overflow-x:auto;border:1px solid var(--line);border-radius:6px}
table.timeline{border-collapse:collapse;font-size:12px}
.timeline th,.timeline td{padding:3px 6px;vertical-align:middle;white-space:nowrap}
.timeline th.lane{position:sticky;left:0;background:#f6f8fa;text-align:right;color:var(--muted);
font-weight:600;border-right:1px solid var(--line)}
.timeline th.instant{font-family:var(--mono);font-weight:600;border-bottom:1px solid var(--line);text-align:left}
.timeline th.instant small{display:block;font-weight:400;color:var(--muted)}
.timeline th.jump{color:var(--clock);font-family:var(--mono);font-weight:700;border-bottom:1px solid var(--line)}
.timeline td.gap{border-left:2px dashed #eac54f;padding:0 4px}
.timeline td{max-width:420px;white-space:normal}
.tick{display:inline-block;width:6px;height:14px;margin:1px;border-radius:1px;vertical-align:middle;background:var(--other)}
tr.k-keyvault_call .tick{background:var(--kv)}tr.k-plugin_call .tick{background:var(--plugin)}
tr.k-clock_jump .tick{background:var(--clock);width:10px}tr.k-process .tick{background:var(--proc)}
tr.k-error .tick,tr .tick.s-error{background:var(--failed);height:18px;outline:1px solid #82071e}
.timeline .chip{font-family:var(--mono);padding:0 5px}.more{color:var(--muted);margin-left:3px}
ol.steps{list-style:none;padding:0;margin:0}
details.step{border:1px solid var(--line);border-radius:6px;margin:4px 0;background:var(--card)}
details.step>summary{display:flex;gap:10px;align-items:center;padding:4px 10px;cursor:pointer}
details.step .num{font-family:var(--mono);color:var(--muted);min-width:22px;text-align:right}
details.step .sname{font-weight:600}details.step .action{font-family:var(--mono);font-size:12px;
color:var(--plugin);background:#fbefff;border-radius:4px;padding:0 5px}
details.step .vt,details.step .dur,details.step .evcount{color:var(--muted);font-size:12px;font-variant-numeric:tabular-nums}
details.step .vt{margin-left:auto;font-family:var(--mono)}
details.step.st-skipped{opacity:.6}
details.step.failing{border:2px solid var(--failed);background:#fffafa;box-shadow:0 0 0 3px var(--failed-bg)}
details.step.failing>summary{background:var(--failed-bg)}
.step-body{padding:6px 12px 10px;border-top:1px solid var(--line)}
.step-body .note{color:var(--muted);font-style:italic;margin:2px 0}.where{font-size:12px;color:var(--muted);margin:2px 0}
.io{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:8px;margin:6px 0}
.block{margin:6px 0}
ul.events{list-style:none;margin:6px 0 0;padding:0;border-left:2px solid var(--line)}
li.event{display:flex;flex-wrap:wrap;gap:2px 10px;padding:2px 8px;font-size:12px;align-items:baseline}
li.event:target{background:#fff8c5}
li.event .kind{font-weight:700;min-width:72px;color:var(--other)}
li.event.k-keyvault_call .kind{color:var(--kv)}li.event.k-plugin_call .kind{color:var(--plugin)}
li.event.k-clock_jump .kind{color:var(--clock)}li.event.k-error .kind{color:var(--failed)}
li.event .vt,li.event .rt{font-family:var(--mono);color:var(--muted)}
li.event .summary{font-family:var(--mono)}li.event.s-error .summary{color:var(--failed);font-weight:600}
li.event details{flex-basis:100%}li.event details summary{color:var(--muted);cursor:pointer}
.hidden{display:none!important}
footer{margin-top:24px;color:var(--muted);font-size:12px}
@media print{body{background:#fff;font-size:11px}main{max-width:none;padding:0}
nav.filters,button{display:none}pre{max-height:none;overflow:visible}
.timeline-wrap{overflow:visible}section.scenario,details.step,tr{break-inside:avoid}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
)css";
}

std::string_view report_js() {
  return R"js(
(function(){
  "use strict";
  var $ = function(s){ return document.querySelector(s); };
  var all = function(s){ return Array.prototype.slice.call(document.querySelectorAll(s)); };
  var scenarios = all("section.scenario");
  function apply(){
    var boxes = all(".f-status"), statuses = boxes.filter(function(c){ return c.checked; })
                                                 .map(function(c){ return c.value; });
    var tag = $("#f-tag") ? $("#f-tag").value : "";
    var seed = $("#f-seed") ? $("#f-seed").value : "";
    var name = $("#f-name") ? $("#f-name").value.toLowerCase() : "";
    var shown = 0;
    scenarios.forEach(function(s){
      var d = s.dataset;
      var known = ["passed","failed","error"].indexOf(d.status) >= 0;
      var ok = (!known || !boxes.length || statuses.indexOf(d.status) >= 0) &&
               (!tag || d.tags.indexOf("|" + tag + "|") >= 0) &&
               (!seed || d.covers.indexOf("|" + seed + "|") >= 0) &&
               (!name || d.name.toLowerCase().indexOf(name) >= 0);
      s.classList.toggle("hidden", !ok);
      if (ok) shown++;
    });
    all("tr.seed, .tile").forEach(function(r){
      r.classList.toggle("selected", !!seed && r.dataset.seed === seed);
    });
    // With a seed id chosen the table keeps its row only; the tiles still show them all.
    all("tr.seed").forEach(function(r){
      r.classList.toggle("hidden", !!seed && r.dataset.seed !== seed);
    });
    var out = $("#f-shown");
    if (out) out.textContent = "showing " + shown + " of " + scenarios.length + " scenarios";
  }
  all("#filters input, #filters select").forEach(function(e){
    e.addEventListener("input", apply); e.addEventListener("change", apply);
  });
  all("button[data-seed]").forEach(function(b){
    b.addEventListener("click", function(){
      var select = $("#f-seed"), id = b.dataset.seed;
      if (!select) return;
      select.value = select.value === id ? "" : id;
      apply();
      $("#scenarios").scrollIntoView();
    });
  });
  all("button.copy").forEach(function(b){
    b.addEventListener("click", function(){
      var code = b.parentNode.querySelector("code"), text = code.textContent;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function(){ b.textContent = "copied"; });
      } else {
        var range = document.createRange(); range.selectNodeContents(code);
        var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
        b.textContent = "selected";
      }
    });
  });
  // Following a link into a closed scenario or step opens what holds the target.
  function reveal(){
    var id = decodeURIComponent(location.hash.slice(1)), target = id && document.getElementById(id);
    for (var e = target; e; e = e.parentElement) {
      if (e.tagName === "DETAILS") e.open = true;
      if (e.classList && e.classList.contains("hidden")) e.classList.remove("hidden");
    }
    if (target) target.scrollIntoView();
  }
  window.addEventListener("hashchange", reveal);
  // On paper everything is open.
  window.addEventListener("beforeprint", function(){
    all("details").forEach(function(d){ d.open = true; });
  });
  // A link can carry a filter: report.html?status=failed,error&tag=kms-v2&seed=L1&name=key
  var params = new URLSearchParams(location.search);
  if (params.has("status")) {
    var wanted = params.get("status").split(",");
    all(".f-status").forEach(function(c){ c.checked = wanted.indexOf(c.value) >= 0; });
  }
  ["tag", "seed", "name"].forEach(function(k){
    var control = $("#f-" + k);
    if (control && params.has(k)) control.value = params.get(k);
  });
  apply();
  if (location.hash) reveal();
})();
)js";
}

}  // namespace kmslab::scenario::report
