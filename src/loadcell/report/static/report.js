// loadcell's report and live dashboard: pivots the per-second rows into uPlot charts.
// The rows are those of metrics.sqlite (report/model.py); on the live page, server-sent events
// append the seconds closed since, and a "done" event reloads the final report.
(function () {
  "use strict";
  const S = { ts: 0, metric: 1, sum: 2, mean: 3, p50: 4, p95: 5, p99: 6, value: 7 };
  const T = { ts: 0, metric: 1, tag: 2, tagValue: 3, count: 4, sum: 5, mean: 6, p50: 7, p95: 8, p99: 9 };
  const COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563"];
  const TIMINGS = ["blocked", "connecting", "tls_handshaking", "sending", "waiting", "receiving"];

  const model = JSON.parse(document.getElementById("chart-data").textContent);
  const state = { series: [], tagged: [], histogram: model.histogram, until: -1 };
  const charts = {};
  window.loadcellCharts = charts; // for the page's tests and for the curious in the console

  function append(rows) {
    for (const r of rows.series) state.series.push(r);
    for (const r of rows.tagged) state.tagged.push(r);
    state.until = Math.max(state.until, rows.until);
  }

  function seconds(rows) {
    return Array.from(new Set(rows.map((r) => r[0]))).sort((a, b) => a - b);
  }

  // One column per line, aligned on the seconds of the given rows; null where a second has no row.
  function columns(rows, xs, lines, keyOf) {
    const index = new Map(xs.map((x, i) => [x, i]));
    const out = lines.map(() => new Array(xs.length).fill(null));
    for (const r of rows) {
      const i = index.get(r[0]);
      if (i === undefined) continue;
      lines.forEach((line, j) => {
        if (keyOf(r) === line.key) out[j][i] = line.value(r);
      });
    }
    return out;
  }

  function seriesChart(lines) {
    const keys = new Set(lines.map((l) => l.key));
    const rows = state.series.filter((r) => keys.has(r[S.metric]));
    const xs = seconds(rows);
    return { labels: lines.map((l) => l.label), data: [xs, ...columns(rows, xs, lines, (r) => r[S.metric])] };
  }

  function line(label, metric, column) {
    return { label: label, key: metric, value: (r) => r[column] };
  }

  function errorsChart() {
    const totals = new Map();
    const rows = state.tagged.filter(
      (r) => r[T.metric] === "http_req_failed" && (r[T.tag] === "status" || r[T.tag] === "error_code"),
    );
    for (const r of rows) {
      const key = r[T.tag] + " " + r[T.tagValue];
      totals.set(key, (totals.get(key) || 0) + r[T.sum]);
    }
    const keys = Array.from(totals.keys()).filter((k) => totals.get(k) > 0).sort();
    const xs = seconds(state.series.filter((r) => r[S.metric] === "http_reqs"));
    const lines = keys.map((k) => ({ label: k, key: k, value: (r) => r[T.sum] }));
    const cols = columns(rows, xs, lines, (r) => r[T.tag] + " " + r[T.tagValue]).map((c) =>
      c.map((v) => (v == null ? 0 : v)),
    );
    return { labels: keys, data: [xs, ...cols] };
  }

  function percentileKeys() {
    const keys = new Set();
    for (const r of state.tagged) {
      if (r[T.metric] === "http_req_duration") keys.add(r[T.tag] + ": " + r[T.tagValue]);
    }
    return Array.from(keys).sort();
  }

  function percentilesChart() {
    const select = document.getElementById("percentile-select");
    const keys = percentileKeys();
    const current = select.value;
    if (select.options.length !== keys.length) {
      select.textContent = "";
      for (const k of keys) select.add(new Option(k, k));
      if (keys.includes(current)) select.value = current;
    }
    const chosen = select.value;
    const rows = state.tagged.filter(
      (r) => r[T.metric] === "http_req_duration" && r[T.tag] + ": " + r[T.tagValue] === chosen,
    );
    const xs = seconds(rows);
    const lines = ["p50", "p95", "p99"].map((p) => ({ label: p, key: chosen, value: (r) => r[T[p]] }));
    return {
      labels: lines.map((l) => l.label),
      data: [xs, ...columns(rows, xs, lines, (r) => r[T.tag] + ": " + r[T.tagValue])],
    };
  }

  function histogramChart() {
    const bins = state.histogram.filter((b) => b[1] > 0); // the zero bin has no place on a log axis
    return { labels: ["requests"], data: [bins.map((b) => b[1]), bins.map((b) => b[2])], bars: true };
  }

  const SPECS = {
    vus: () => seriesChart([line("vus", "vus", S.value)]),
    throughput: () => seriesChart([line("http_reqs/s", "http_reqs", S.sum), line("iterations/s", "iterations", S.sum)]),
    duration: () =>
      seriesChart([
        line("p50", "http_req_duration", S.p50),
        line("p95", "http_req_duration", S.p95),
        line("p99", "http_req_duration", S.p99),
        line("avg", "http_req_duration", S.mean),
      ]),
    timings: () => seriesChart(TIMINGS.map((t) => line(t, "http_req_" + t, S.mean))),
    percentiles: percentilesChart,
    histogram: histogramChart,
    errors: errorsChart,
    failed: () => seriesChart([line("http_req_failed", "http_req_failed", S.mean)]),
  };

  function options(spec, width) {
    const series = [{}].concat(
      spec.labels.map((label, i) => {
        const s = { label: label, stroke: COLOURS[i % COLOURS.length], width: 1.5 };
        if (spec.bars) {
          s.fill = COLOURS[i % COLOURS.length] + "99";
          s.paths = uPlot.paths.bars({ size: [0.9, 40] });
          s.points = { show: false };
        }
        return s;
      }),
    );
    const opts = { width: width, height: 220, series: series, legend: { live: true } };
    if (spec.bars) {
      opts.scales = { x: { time: false, distr: 3 } };
      opts.axes = [{ label: "ms (bin upper bound)" }, {}];
    }
    return opts;
  }

  function draw(id) {
    const figure = document.getElementById("chart-" + id);
    const box = figure.querySelector(".plot");
    const spec = SPECS[id]();
    const old = charts[id];
    if (old && old.series.length === spec.labels.length + 1) {
      old.setData(spec.data);
      return;
    }
    if (old) old.destroy();
    box.textContent = "";
    if (spec.labels.length === 0) {
      const note = document.createElement("p");
      note.className = "nodata";
      note.textContent = id === "errors" ? "no failed requests" : "no data";
      box.appendChild(note);
      delete charts[id];
      return;
    }
    charts[id] = new uPlot(options(spec, box.clientWidth || 480), spec.data, box);
  }

  function drawAll() {
    for (const id of Object.keys(SPECS)) draw(id);
  }

  function fillRows(table, rows, cells, rowClass) {
    if (!table) return;
    while (table.rows.length > 1) table.deleteRow(1);
    for (const r of rows) {
      const tr = table.insertRow();
      tr.className = rowClass(r);
      for (const text of cells(r)) tr.insertCell().textContent = text;
    }
  }

  function update(message) {
    append(message.rows);
    state.histogram = message.histogram;
    document.getElementById("reqs").textContent = String(message.reqs);
    document.getElementById("elapsed").textContent = message.elapsed.toFixed(1);
    fillRows(
      document.getElementById("thresholds"),
      message.thresholds,
      (t) => [t.ok == null ? "…" : t.ok ? "✓" : "✗", t.metric, t.source, ""],
      (t) => (t.ok == null ? "pending" : t.ok ? "ok" : "bad"),
    );
    fillRows(
      document.getElementById("checks"),
      message.checks,
      (c) => [c.name, c.group, String(c.passes), String(c.fails)],
      (c) => (c.fails === 0 ? "ok" : "bad"),
    );
    drawAll();
  }

  append(model.rows);
  document.getElementById("percentile-select").addEventListener("change", () => draw("percentiles"));
  drawAll();
  if (model.live) {
    const events = new EventSource("events?since=" + state.until);
    events.onmessage = (e) => update(JSON.parse(e.data));
    events.addEventListener("done", (e) => {
      events.close();
      const end = JSON.parse(e.data);
      if (end.reload) {
        window.location.reload(); // the server now serves the final report
        return;
      }
      const status = document.getElementById("status");
      status.textContent = "ENDED: " + end.status + " (the report is in the results folder)";
      status.className = "status " + (end.status.startsWith("PASSED") ? "pass" : "fail");
    });
  }
})();
