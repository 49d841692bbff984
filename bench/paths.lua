-- GET requests over the paths listed in the file BENCH_PATHS (one per
-- line), in turn, each thread starting at another place, with the bearer
-- token BENCH_TOKEN.
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end
local token = os.getenv("BENCH_TOKEN")
local i = 0
setup = function(thread)
  i = i + 1
  thread:set("start", i * 7919)
end
local n = 0
request = function()
  n = n + 1
  local path = paths[((start or 0) + n) % #paths + 1]
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end
