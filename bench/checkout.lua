-- wrk script of bench/checkout.py: each connection is one buyer (cookie + CSRF token from
-- BENCH_BUYERS_FILE, one "cookie token" per line) placing one-unit orders with a fresh idempotency key.
local buyers = {}
for line in io.lines(os.getenv("BENCH_BUYERS_FILE")) do
  local cookie, token = line:match("(%S+) (%S+)")
  buyers[#buyers + 1] = {cookie = cookie, token = token}
end
local sku, price, host = os.getenv("BENCH_SKU"), os.getenv("BENCH_PRICE"), os.getenv("BENCH_HOST")
local address = '{"name":"Bench","mobile":"13800138000","province_code":"44","province":"广东省",' ..
  '"city_code":"4403","city":"深圳市","district_code":"440305","district":"南山区","detail":"1 Road"}'
local next_buyer, counter = 0, 0
local thread_number = 0

function setup(thread)
  thread_number = thread_number + 1
  thread:set("thread_id", thread_number)
end

function init(args)
  math.randomseed(os.time() + (thread_id or 0) * 7919)
end

function request()
  counter = counter + 1
  next_buyer = next_buyer % #buyers + 1
  local buyer = buyers[next_buyer]
  local key = string.format("b%d-%d-%d", thread_id or 0, counter, math.random(1, 1000000000))
  local body = '{"lines":[{"sku_id":"' .. sku .. '","quantity":1}],"delivery_method":"express","address":' ..
    address .. ',"idempotency_key":"' .. key .. '","expected_total_fen":' .. price .. '}'
  return wrk.format("POST", nil, {["Host"] = host, ["Content-Type"] = "application/json",
    ["Cookie"] = "session=" .. buyer.cookie, ["X-CSRFToken"] = buyer.token}, body)
end

local shown = 0
function response(status, headers, body)
  -- a refused checkout says why (the first three per thread): sold out, or something to look at
  if status ~= 201 and status ~= 200 and shown < 3 then
    shown = shown + 1
    io.write(string.format("refused: %d %s\n", status, (body or ""):sub(1, 200)))
  end
end

function done(summary, latency, requests)
  -- each thread's counts are its own; summary.errors has the totals wrk saw
  io.write(string.format("statuses: non-2xx %d, timeouts %d, connect/read/write errors %d/%d/%d\n",
    summary.errors.status, summary.errors.timeout, summary.errors.connect, summary.errors.read,
    summary.errors.write))
end
