-- Shared by the bench's wrk scripts: file lists, optional pacing, a JSON summary.
local ffi = require "ffi"
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock_id, bench_timespec *tp);
]]

local M = {}

function M.lines(path)
  local found = {}
  if path == nil or path == "" then return found end
  for line in io.lines(path) do
    if #line > 0 then found[#found + 1] = line end
  end
  return found
end

local now_buffer = ffi.new("bench_timespec")
function M.now_ms()
  ffi.C.clock_gettime(1, now_buffer) -- CLOCK_MONOTONIC
  return tonumber(now_buffer.tv_sec) * 1000 + tonumber(now_buffer.tv_nsec) / 1e6
end

-- BENCH_RATE (requests/s over all BENCH_THREADS threads) turns the closed loop into a
-- paced one: each thread hands out send slots at its share of the rate, so the
-- connections are what may wait, never the schedule. Behind schedule by more than a
-- second, the backlog is dropped rather than fired at once.
local rate = tonumber(os.getenv("BENCH_RATE") or "0")
local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
M.paced = rate > 0
local interval_ms = M.paced and (1000 * threads / rate) or 0
local next_slot = nil

function M.delay()
  local now = M.now_ms()
  if next_slot == nil or next_slot < now - 1000 then next_slot = now end
  next_slot = next_slot + interval_ms
  local wait = next_slot - now
  if wait < 1 then return 0 end
  return math.floor(wait)
end

function M.done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,'
      .. '"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,'
      .. '"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end

return M
