-- Replays one POST per line of LINES_FILE ("path<TAB>json body"), each
-- line once, with the bearer token LINES_TOKEN. When the lines run out,
-- the last one repeats, which the server refuses (already decided): a run
-- that needs more lines than it has shows non-2xx answers.
-- Run with one thread (-t1): the lines are shared by its connections.
local lines = {}
for line in io.lines(os.getenv("LINES_FILE")) do
  local path, body = line:match("^([^\t]+)\t(.*)$")
  lines[#lines + 1] = { path, body }
end
local headers = {
  ["Authorization"] = "Bearer " .. os.getenv("LINES_TOKEN"),
  ["Content-Type"] = "application/json",
}
local sent = 0
request = function()
  sent = sent + 1
  local l = lines[math.min(sent, #lines)]
  return wrk.format("POST", l[1], headers, l[2])
end
