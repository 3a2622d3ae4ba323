-- GET: the URL's path, or each path of BENCH_PATHS_FILE in turn (from a random start);
-- with BENCH_TOKENS_FILE, as each of its customers in turn.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local common = require "common"

local paths = common.lines(os.getenv("BENCH_PATHS_FILE"))
local tokens = common.lines(os.getenv("BENCH_TOKENS_FILE"))
local position = 0

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  position = math.random(1000)
end

if #paths > 0 or #tokens > 0 then
  request = function()
    position = position + 1
    local path = nil
    if #paths > 0 then path = paths[position % #paths + 1] end
    local headers = nil
    if #tokens > 0 then
      headers = { ["Authorization"] = "Token " .. tokens[position % #tokens + 1] }
    end
    return wrk.format("GET", path, headers)
  end
end

if common.paced then delay = common.delay end
done = common.done
