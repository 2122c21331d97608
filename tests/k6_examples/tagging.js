// Written after k6's examples/tagging.js (tags on a request, a check and a custom metric), plus http.url's name
// tag and a test-wide response callback; thresholds on the tagged sub-metrics make the tags visible.
import http from 'k6/http';
import { Trend } from 'k6/metrics';
import { check } from 'k6';

const BASE = __ENV.BASE;
const myTrend = new Trend('my_trend');
http.setResponseCallback(http.expectedStatuses(200, 404));

export const options = {
  thresholds: {
    'http_reqs{my_tag:tagged}': ['count==1'],
    'checks{my_tag:tagged}': ['rate==1'],
    'my_trend{my_tag:tagged}': ['max>=0'],
    'http_reqs{name:${}/status/${}}': ['count==2'],
    'http_req_failed': ['rate==0'],
  },
};

export default function () {
  const res = http.get(`${BASE}/`, { tags: { my_tag: 'tagged' } });
  check(res, { 'status is 200': (r) => r.status === 200 }, { my_tag: 'tagged' });
  myTrend.add(res.timings.connecting, { my_tag: 'tagged' });
  for (const code of [200, 404]) {
    http.get(http.url`${BASE}/status/${code}`);
  }
}
