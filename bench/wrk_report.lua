-- bench/wrk_report.lua: make wrk print its totals as one machine-readable line
-- run.sh computes rates itself from exact totals instead of parsing wrk's rounded,
-- unit-suffixed summary ("1.23GB"). Latencies are in microseconds.
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("LBBENCH requests=%d bytes=%d duration_us=%d p50_us=%d p99_us=%d "
		.. "connect=%d read=%d write=%d status=%d timeout=%d\n",
		summary.requests, summary.bytes, summary.duration,
		latency:percentile(50), latency:percentile(99),
		e.connect, e.read, e.write, e.status, e.timeout))
end
