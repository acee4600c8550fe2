-- wrk script for tools/bench/apiserver.sh: POST secrets with names unique per run and thread
-- (WRK_PREFIX from the environment), with the kubeconfig's bearer token (WRK_TOKEN).
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", (os.getenv("WRK_PREFIX") or "w") .. "-" .. threads)
end

local counter = 0
function request()
  counter = counter + 1
  local body = '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"' .. id .. '-' .. counter ..
               '"},"data":{"password":"c2VjcmV0LXZhbHVlLTEyMzQ1Njc4OTA="}}'
  return wrk.format("POST", "/api/v1/namespaces/default/secrets",
                    {["Authorization"] = "Bearer " .. os.getenv("WRK_TOKEN"),
                     ["Content-Type"] = "application/json"}, body)
end
