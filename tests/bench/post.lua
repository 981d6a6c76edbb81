-- wrk script: POST /v1/documents with a sample whose registration number is
-- unique per request (the register refuses a number registered twice).
-- Environment: BENCH_SAMPLE (JSON file), BENCH_TOKEN (file with the token).
local threads = 0

function setup(thread)
	thread:set("tid", threads)
	threads = threads + 1
end

function init(args)
	local f = assert(io.open(os.getenv("BENCH_SAMPLE")))
	tmpl = f:read("*a")
	f:close()
	f = assert(io.open(os.getenv("BENCH_TOKEN")))
	local token = f:read("*l")
	f:close()
	headers = {
		["Content-Type"] = "application/json",
		["Authorization"] = "Bearer " .. token,
	}
	counter = 0
	run = os.getenv("BENCH_RUN") or "0"
end

function request()
	counter = counter + 1
	local body = string.gsub(tmpl, '"number": "[^"]*"',
		'"number": "B' .. run .. "-" .. tid .. "-" .. counter .. '"', 1)
	return wrk.format("POST", "/v1/documents", headers, body)
end

function done(summary, latency, requests)
	io.write(string.format("wrk requests=%d errors_status=%d p50_ms=%.2f p99_ms=%.2f\n",
		summary.requests, summary.errors.status,
		latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
