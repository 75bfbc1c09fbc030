// Measurement child for Chrome DevTools' own heap snapshot code (npm heap-snapshot-toolkit, which
// bundles the DevTools heap snapshot worker and runs both of its workers' steps in one thread).
//
// Tasks:
//   summary FILE       what DevTools does before it shows the Summary view: the loader, the full
//                      init (edge indexes, retainers, flags, dominator tree, retained sizes,
//                      distances, class names, interface inference, statistics), then the class
//                      aggregates (count, self size, distance, class retained size). DevTools has no
//                      lighter path: this one measurement serves both `top` and the full analysis.
//   growth FILE_A FILE_B  DevTools' Comparison view: A's aggregates for diff, then B, then the diff
//                      (heap-snapshot-toolkit's diffFromStreams: one snapshot in memory at a time).
import fs from 'node:fs';
import { parse, diffFromStreams, DevToolsAPI } from 'heap-snapshot-toolkit';
import { createLaps, runChild } from './child-result.mjs';

await runChild({
  async summary([file]) {
    const { phases, lap } = createLaps();
    const snapshot = await parse(fs.createReadStream(file));
    lap('load+init');
    const aggregates = snapshot.aggregatesWithFilter(new DevToolsAPI.HeapSnapshotModel.NodeFilter());
    lap('aggregates');
    return { phases, facts: { nodeCount: snapshot.nodeCount, classes: Object.keys(aggregates).length } };
  },
  async growth([fileA, fileB]) {
    const { phases, lap } = createLaps();
    let classes = 0;
    for await (const step of diffFromStreams(fs.createReadStream(fileA), fs.createReadStream(fileB))) {
      if (step.type === 'start') lap('A load+init');
      else if (step.type === 'end') lap('aggregatesForDiff(A)+B load+init');
      else { lap('diff'); classes = Object.keys(step.result).length; }
    }
    return { phases, facts: { classesInDiff: classes } };
  },
});
