-- One benchmark scenario for wrk, configured from the environment by bench/run.py:
--   BENCH_METHOD      GET (default) or POST
--   BENCH_TOKEN       a JWT access token: sent as "Authorization: Bearer ..."
--   BENCH_BODY_FILE   a JSON request body (sent with Content-Type: application/json)
--   BENCH_PATHS_FILE  one path per line: each request takes the next one, so writes that
--                     consume a row (issuing a draft) never hit the same row twice
--   BENCH_THREADS     wrk's -t, so the threads stride over the paths without overlap
--   BENCH_HEADERS     more request headers, one "Name: value" a line (If-None-Match)
-- done() prints one line "BENCH_JSON {...}" with the counts and latency percentiles.

local method = os.getenv("BENCH_METHOD") or "GET"
local token = os.getenv("BENCH_TOKEN") or ""
local body_file = os.getenv("BENCH_BODY_FILE") or ""
local paths_file = os.getenv("BENCH_PATHS_FILE") or ""
local extra_headers = os.getenv("BENCH_HEADERS") or ""
local thread_count = 0

function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
end

local headers = {}
local body = nil
local paths = nil
local counter = 0
local stride = 1
local fixed = nil

function init(args)
  stride = tonumber(os.getenv("BENCH_THREADS") or "1")
  if token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
  for name, value in extra_headers:gmatch("([^:\n]+):%s*([^\n]*)") do
    headers[name] = value
  end
  if body_file ~= "" then
    local f = assert(io.open(body_file, "rb"))
    body = f:read("*a")
    f:close()
    headers["Content-Type"] = "application/json"
  end
  if paths_file ~= "" then
    paths = {}
    for line in io.lines(paths_file) do
      if line ~= "" then
        paths[#paths + 1] = line
      end
    end
  else
    fixed = wrk.format(method, wrk.path, headers, body)
  end
end

function request()
  if fixed then
    return fixed
  end
  local index = counter * stride + tid
  counter = counter + 1
  return wrk.format(method, paths[(index % #paths) + 1], headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "status_errors": %d, '
      .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, '
      .. '"p50_us": %.0f, "p90_us": %.0f, "p99_us": %.0f, "max_us": %.0f, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read, e.write,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
