-- wrk script for tools/bench/apiserver_etcd.sh: POSTs a new Secret per request (run, thread and
-- counter keep names unique), the body kubectl create secret generic sends.
local counter = 0
local thread_id = 0
local value = os.getenv("SECRET_VALUE") or "c2VjcmV0"
local run = os.getenv("RUN") or "0"  -- each wrk run starts its counters over
-- Headers passed to wrk.format replace wrk -H's (the bearer token): add to them instead.
wrk.headers["Content-Type"] = "application/json"

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function request()
  counter = counter + 1
  local body = '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"bench-' .. run .. '-' .. tid .. '-' ..
      counter .. '","namespace":"default"},"data":{"v":"' .. value .. '"},"type":"Opaque"}'
  return wrk.format("POST", nil, nil, body)
end
