-- POST an empty JSON object to the URL's path (the one-transaction baseline).
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local common = require "common"

wrk.method = "POST"
wrk.body = "{}"
wrk.headers["Content-Type"] = "application/json"

if common.paced then delay = common.delay end
done = common.done
