// bench/programs/linked-list.cjs — a linked list that grows between two snapshots of one process,
// for issue 12 (linear work on long structures). Usage: node linked-list.cjs N FILE_A FILE_B
//
// Holds a list of 1,000 `Link`s in the global `head` and writes FILE_A; then pushes N more Links on
// the head and writes FILE_B. The known answers: growth FILE_A FILE_B finds Link +N, all new and
// alive, held in one chain shape (each held by the previous one); chain FILE_B --type Link --all
// finds N + 1,000 Links in one shape. Size: ~90 bytes of snapshot per Link (N = 1,000,000 ≈ 90 MB).
'use strict';
const v8 = require('node:v8');

class Link {
  constructor(next) { this.next = next; }
}

const N = Number(process.argv[2]);
const [fileA, fileB] = process.argv.slice(3);
if (!(N > 0) || !fileA || !fileB) {
  process.stderr.write('usage: node linked-list.cjs N FILE_A FILE_B\n');
  process.exit(2);
}

let head = null;
for (let i = 0; i < 1000; i++) head = new Link(head);
globalThis.head = head;
const report = { N };
let t0 = Date.now();
v8.writeHeapSnapshot(fileA);
report.writeMsA = Date.now() - t0;

for (let i = 0; i < N; i++) head = new Link(head);
globalThis.head = head;
t0 = Date.now();
v8.writeHeapSnapshot(fileB);
report.writeMsB = Date.now() - t0;
process.stdout.write(JSON.stringify(report) + '\n');
