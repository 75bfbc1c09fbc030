// Measurement child for @memlab/core (Meta's memlab).
//
// Tasks:
//   top FILE    memlab's parser (utils.getSnapshotFromFile, as memlab's own analyses call it), then
//               a count and self size per node name over its node objects — memlab has no DevTools
//               class names, so its "class" is the V8 node name.
//   full FILE   what @memlab/heap-analysis's getFullHeapFromFile does: parse, then
//               analysis.preparePathFinder (shortest paths from the roots for every node, dominator
//               tree and retained sizes).
import { createRequire } from 'node:module';
import { createLaps, runChild } from './child-result.mjs';

const require = createRequire(import.meta.url);
const memlab = require('@memlab/core');
// Console left on: its output goes to a pipe the bench keeps the tail of, for error messages.

async function parseWithMemlab(file) {
  const snapshot = await memlab.utils.getSnapshotFromFile(file, { buildNodeIdIndex: true });
  // memlab reports parse errors through haltOrThrow and may hand back null.
  if (!snapshot) throw new Error('memlab returned no snapshot');
  return snapshot;
}

await runChild({
  async top([file]) {
    const { phases, lap } = createLaps();
    const snapshot = await parseWithMemlab(file);
    lap('parse');
    const counts = new Map();
    snapshot.nodes.forEach((node) => {
      const row = counts.get(node.name);
      if (row) { row.count++; row.self += node.self_size; } else counts.set(node.name, { count: 1, self: node.self_size });
    });
    lap('histogram');
    return { phases, facts: { nodeCount: snapshot.nodes.length, classes: counts.size } };
  },
  async full([file]) {
    const { phases, lap } = createLaps();
    const snapshot = await parseWithMemlab(file);
    lap('parse');
    memlab.analysis.preparePathFinder(snapshot);
    lap('paths+dominators+retained');
    return { phases, facts: { nodeCount: snapshot.nodes.length } };
  },
});
