-- GET: the URL's path, or each path of BENCH_PATHS_FILE in turn (from a random start).
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local common = require "common"

local paths = common.lines(os.getenv("BENCH_PATHS_FILE"))
local position = 0

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  if #paths > 0 then position = math.random(#paths) end
end

if #paths > 0 then
  request = function()
    position = position % #paths + 1
    return wrk.format("GET", paths[position])
  end
end

if common.paced then delay = common.delay end
done = common.done
