// loadcell's comparison page: the baseline's and the run's seconds overlaid, from each run's start.
(function () {
  "use strict";
  const S = { ts: 0, metric: 1, sum: 2, p95: 5 };
  const runs = JSON.parse(document.getElementById("compare-data").textContent);
  const charts = {};
  window.loadcellCharts = charts;

  // [x, baseline, run]: x in seconds since each run's first second, null where a run has no row.
  function overlay(metric, column) {
    const maps = runs.map((rows) => {
      const own = rows.filter((r) => r[S.metric] === metric);
      const start = own.length ? own[0][S.ts] : 0;
      return new Map(own.map((r) => [r[S.ts] - start, r[column]]));
    });
    const xs = Array.from(new Set(maps.flatMap((m) => Array.from(m.keys())))).sort((a, b) => a - b);
    return [xs, ...maps.map((m) => xs.map((x) => (m.has(x) ? m.get(x) : null)))];
  }

  function draw(id, data) {
    const box = document.querySelector("#chart-" + id + " .plot");
    const opts = {
      width: box.clientWidth || 480,
      height: 220,
      scales: { x: { time: false } },
      axes: [{ label: "s" }, {}],
      series: [{}, { label: "baseline", stroke: "#6b7280", width: 1.5 }, { label: "run", stroke: "#dc2626", width: 1.5 }],
    };
    charts[id] = new uPlot(opts, data, box);
  }

  draw("p95", overlay("http_req_duration", S.p95));
  draw("rps", overlay("http_reqs", S.sum));
})();
