// bench/programs/synthetic.cjs — a synthetic "application heap" for the benchmark, adapted from the
// shared corpus's big-synthetic.cjs. Usage: node synthetic.cjs N FILE_A [FILE_B]
//
// Holds N `Item` objects in a global array, each with a name string, a two-element tags array and a
// parent link (a binary tree: item i points at item (i-1)/2), plus a Map of N/10 small records, then
// writes FILE_A. Size: ~360 bytes of snapshot per item (N = 250,000 ≈ 90 MB, 1,100,000 ≈ 400 MB,
// 2,900,000 ≈ 1 GB; ~4.2 nodes and ~13.7 edges per item).
//
// With FILE_B it goes on as a leaking process would, then writes FILE_B: N/10 `LeakedRequest` objects
// (each with a headers object and a body string) pile up in a module-level array, a tenth of the Map
// records are replaced by new ones, and nothing else changes, so the objects that survive keep their
// ids (one process) and `growth FILE_A FILE_B` has a known answer: LeakedRequest +N/10.
'use strict';
const v8 = require('node:v8');

class Item {
  constructor(i) { this.id = i; this.name = 'item' + i; this.tags = [i, 'x']; this.parent = null; }
}
class LeakedRequest {
  constructor(i) { this.url = '/api/items/' + i; this.headers = { host: 'example.test', 'x-request-id': 'req-' + i }; this.startedAt = i; }
}

const N = Number(process.argv[2]);
const fileA = process.argv[3];
const fileB = process.argv[4];
if (!(N > 0) || !fileA) {
  process.stderr.write('usage: node synthetic.cjs N FILE_A [FILE_B]\n');
  process.exit(2);
}

globalThis.items = new Array(N);
for (let i = 0; i < N; i++) {
  const it = new Item(i);
  if (i) it.parent = globalThis.items[(i - 1) >> 1];
  globalThis.items[i] = it;
}
globalThis.records = new Map();
for (let i = 0; i < N / 10; i++) globalThis.records.set('k' + i, { v: i });

const report = { N };
let t0 = Date.now();
v8.writeHeapSnapshot(fileA);
report.writeMsA = Date.now() - t0;

if (fileB) {
  const leaked = [];
  globalThis.leakedRequests = leaked;
  for (let i = 0; i < N / 10; i++) leaked.push(new LeakedRequest(i));
  for (let i = 0; i < N / 100; i++) globalThis.records.set('k' + i, { v: -i });
  t0 = Date.now();
  v8.writeHeapSnapshot(fileB);
  report.writeMsB = Date.now() - t0;
}
process.stdout.write(JSON.stringify(report) + '\n');
