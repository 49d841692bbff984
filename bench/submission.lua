-- W6: every request submits the same 5 KB of answers with a distinct 1 MB
-- PDF (a fresh 24-byte header in front of a shared rest) and its own
-- Idempotency-Key. Reads the parts written by w6_body.py from W6_DIR.
local dir = os.getenv("W6_DIR")
local function read(name)
  local f = assert(io.open(dir .. "/" .. name, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end
local prefix, rest, suffix = read("prefix.txt"), read("rest.b64"), read("suffix.txt")
-- W2: a second distinct attachment when w6_body.py wrote one.
local second = io.open(dir .. "/rest2.b64", "rb")
local rest2, suffix2 = nil, nil
if second then
  second:close()
  rest2, suffix2 = read("rest2.b64"), read("suffix2.txt")
end
local token, service = os.getenv("W6_TOKEN"), os.getenv("W6_SERVICE")
local chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function b64(s) -- s has a length divisible by 3
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + b * 256 + c
    for k = 3, 0, -1 do
      local v = math.floor(n / 64 ^ k) % 64
      out[#out + 1] = chars:sub(v + 1, v + 1)
    end
  end
  return table.concat(out)
end
local thread_id = 0
setup = function(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end
local n = 0
request = function()
  n = n + 1
  local header = string.format("%%PDF-1.4\n%%%02d%011d\n", tid or 0, n) -- 24 bytes
  local body = prefix .. b64(header) .. rest .. suffix
  if rest2 then
    local header2 = string.format("%%PDF-1.4\n%%%02d%011d\n", (tid or 0) + 50, n)
    body = body .. b64(header2) .. rest2 .. suffix2
  end
  return wrk.format("POST", "/api/v1/services/" .. service .. "/submissions", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("w6-%s-%d-%d", os.getenv("W6_RUN") or "0", tid or 0, n),
  }, body)
end
