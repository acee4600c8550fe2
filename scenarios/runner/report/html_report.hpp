#pragma once
// The run report (`tools/kmslab run --report F.html`, `kmslab-report`): one self-contained HTML
// page (inline CSS and script, nothing fetched, readable from file:// and on paper).
#include <string>

#include "scenarios/runner/results.hpp"

namespace kmslab::scenario {

/// The whole page. Every string from `run` is HTML-escaped; the script only reads the page.
std::string render_html(const RunResult& run);

}  // namespace kmslab::scenario
