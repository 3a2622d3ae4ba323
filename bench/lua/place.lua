-- POST /api/v1/orders/: two lines, customers of BENCH_TOKENS_FILE in turn, SKUs of
-- BENCH_SKUS_FILE at random (the first line always BENCH_HOT_SKU when it is set), a new
-- Idempotency-Key for every request.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local common = require "common"

local tokens = common.lines(os.getenv("BENCH_TOKENS_FILE"))
local skus = common.lines(os.getenv("BENCH_SKUS_FILE"))
local hot = os.getenv("BENCH_HOT_SKU")
if hot == "" then hot = nil end
local path = os.getenv("BENCH_PLACE_PATH") or "/api/v1/orders/"
local run_id, sent = "", 0

function init(args)
  local seed = os.time() + tonumber(tostring({}):sub(8), 16)
  math.randomseed(seed)
  run_id = string.format("%x-%x", os.time(), math.random(0, 0x7fffffff))
  sent = math.random(#tokens) - 1
end

local function other_than(taken)
  while true do
    local sku = skus[math.random(#skus)]
    if sku ~= taken then return sku end
  end
end

request = function()
  sent = sent + 1
  local first = hot or skus[math.random(#skus)]
  local second = other_than(first)
  local body = string.format(
    '{"lines":[{"sku":"%s","quantity":1},{"sku":"%s","quantity":2}],'
      .. '"payment_method":"pm_card_visa"}', first, second)
  local headers = {
    ["Authorization"] = "Token " .. tokens[sent % #tokens + 1],
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = run_id .. "-" .. sent,
  }
  return wrk.format("POST", path, headers, body)
end

if common.paced then delay = common.delay end
done = common.done
