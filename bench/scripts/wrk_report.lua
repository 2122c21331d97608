-- Prints wrk's own latency percentiles (microseconds) once, after the run; no per-request cost.
done = function(summary, latency, requests)
  io.write(string.format("BENCH p50_us=%d p95_us=%d p99_us=%d requests=%d duration_us=%d\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.requests, summary.duration))
end
