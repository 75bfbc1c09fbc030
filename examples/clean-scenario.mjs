// The same kind of server without the leak, built on express (from the npm registry): a control
// for `leakscope run`, which should exit 0 here. Each request builds a response object and a
// RequestSummary that die with the request; only a counter survives.
//
//   npx leakscope run examples/clean-scenario.mjs

import http from 'node:http';
import express from 'express';

class RequestSummary {
  constructor(method, url) {
    this.method = method;
    this.url = url;
    this.receivedAt = Date.now();
  }
}

let requestCount = 0;

export async function setup() {
  const app = express();
  app.get('/items/:id', (req, res) => {
    const summary = new RequestSummary(req.method, req.url);
    requestCount++;
    res.json({ id: req.params.id, at: summary.receivedAt, count: requestCount });
  });
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { server, base: `http://127.0.0.1:${server.address().port}` };
}

export async function action({ base }, iteration) {
  await getJson(`${base}/items/${iteration}`);
}

// node:http rather than fetch: fetch records a PerformanceResourceTiming per request in a buffer of
// up to 250 entries, which looks exactly like a leak for the first 250 requests.
function getJson(url) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}

export async function teardown({ server }) {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}
