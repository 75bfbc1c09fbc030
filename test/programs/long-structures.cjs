// Heaps with long structures, for the tests of issue 12 (bounded output, linear work). Run by
// test/cli/long-structures.test.ts in a temporary folder; each mode writes its snapshots and exits.
//
//   node long-structures.cjs list N FILE        a linked list of N `Link`s held by the global `head`,
//                                               the deepest Link holding one `Tail` (N + 1 hops from the global)
//   node long-structures.cjs classes N FILE     N distinct classes C0…C(N-1), one live instance each
//   node long-structures.cjs tags N FILE        N objects tagged T0…T(N-1) (Symbol.toStringTag, which V8
//                                               names objects by): N classes, 5× cheaper than `classes`
//   node long-structures.cjs growth N FILE_A FILE_B   a list of 1,000 Links, snapshot, N more Links
//                                               pushed on its head, snapshot (one process: ids agree)
'use strict';
const v8 = require('node:v8');

class Link {
  constructor(next) { this.next = next; }
}
class Tail {
  constructor() { this.at = 'end'; }
}

function grow(head, n) {
  for (let i = 0; i < n; i++) head = new Link(head);
  return head;
}

const [mode, count, ...files] = process.argv.slice(2);
const n = Number(count);
if (!(n >= 0) || files.length === 0) {
  process.stderr.write('usage: node long-structures.cjs list|classes|tags|growth N FILE [FILE_B]\n');
  process.exit(2);
}

if (mode === 'list') {
  const last = new Link(null);
  last.tail = new Tail();
  globalThis.head = grow(last, n - 1);
  v8.writeHeapSnapshot(files[0]);
} else if (mode === 'classes') {
  globalThis.instances = [];
  for (let i = 0; i < n; i++) {
    const C = new Function(`return class C${i} { constructor() { this.v = ${i}; } }`)();
    globalThis.instances.push(new C());
  }
  v8.writeHeapSnapshot(files[0]);
} else if (mode === 'tags') {
  globalThis.instances = [];
  for (let i = 0; i < n; i++) globalThis.instances.push({ [Symbol.toStringTag]: `T${i}` });
  v8.writeHeapSnapshot(files[0]);
} else if (mode === 'growth') {
  globalThis.head = grow(null, 1000);
  v8.writeHeapSnapshot(files[0]);
  globalThis.head = grow(globalThis.head, n);
  v8.writeHeapSnapshot(files[1]);
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
