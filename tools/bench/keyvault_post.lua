-- wrk script for tools/bench/keyvault.sh: every request is a POST of the same JSON body.
-- The path comes from the URL and the Host / Authorization headers from wrk -H; only what -H
-- and the URL cannot express is set here. The body is read from the environment (KV_BODY) so
-- that the shell can pass the wrapped value it got from the emulator in this run.
-- No response() hook on purpose: it makes wrk hand every response to Lua, which costs client
-- CPU on a machine whose two cores the server also needs; wrk's own "Non-2xx or 3xx responses"
-- line, which keyvault.sh checks, is enough to catch a run of errors.
wrk.method = "POST"
wrk.body = os.getenv("KV_BODY")
wrk.headers["Content-Type"] = "application/json"
if wrk.body == nil or wrk.body == "" then
  error("KV_BODY is not set")
end
