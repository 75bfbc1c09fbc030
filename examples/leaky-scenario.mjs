// A leaky HTTP server, as a leakscope scenario: `npx leakscope run examples/leaky-scenario.mjs`.
//
// Each request records a RequestLog in a module-level array that nothing ever trims, so one
// RequestLog (and its headers object) stays alive per request. leakscope runs `action` many times,
// snapshots between batches, and reports RequestLog growing by exactly one per iteration, held by
// `requestLog`. Only node:http, so `leakscope demo` works without extra packages.

import http from 'node:http';

class RequestLog {
  constructor(method, url, headers) {
    this.method = method;
    this.url = url;
    this.headers = headers;
    this.receivedAt = Date.now();
  }
}

/** The leak: an audit trail kept "for debugging" and never read or trimmed. */
const requestLog = [];

function handle(req, res) {
  requestLog.push(new RequestLog(req.method, req.url, { ...req.headers }));
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ ok: true, path: req.url }));
}

export async function setup() {
  const server = http.createServer(handle);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
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
