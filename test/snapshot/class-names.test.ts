import { describe, expect, it } from 'vitest';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';
import { parseSnapshotText } from '../../src/snapshot/load.ts';
import { computeClassIndex } from '../../src/snapshot/class-names.ts';
import { computeHistogram } from '../../src/analysis/histogram.ts';

describe('class index', () => {
  it('keeps 16-bit class ids for ordinary heaps', () => {
    const b = new SnapshotBuilder();
    const root = b.root();
    for (let k = 0; k < 10; k++) b.edge(root, 'element', k, b.node('object', `C${k % 3}`, { selfSize: 8 }));
    const graph = parseSnapshotText(b.toJSON());
    expect(computeClassIndex(graph).classOf).toBeInstanceOf(Uint16Array);
  });

  it('widens to 32-bit ids past 65,536 classes without losing a node', () => {
    const b = new SnapshotBuilder();
    const root = b.root();
    const classCount = 70_000;
    for (let k = 0; k < classCount; k++) {
      const node = b.node('object', `Class${k}`, { selfSize: 16 });
      b.edge(root, 'element', k, node);
      // Every class also has a second member, half of them after the widening.
      if (k % 2 === 0) b.edge(node, 'property', 'twin', b.node('object', `Class${k}`, { selfSize: 16 }));
    }
    const graph = parseSnapshotText(b.toJSON());
    const index = computeClassIndex(graph);
    expect(index.classOf).toBeInstanceOf(Uint32Array);
    const histogram = computeHistogram(graph, { rawSizes: true });
    const byName = new Map(histogram.classes.map((c) => [c.name, c.count]));
    expect(byName.get('Class69998')).toBe(2);
    expect(byName.get('Class69999')).toBe(1);
    expect(byName.get('Class0')).toBe(2);
    expect(histogram.classes.filter((c) => c.name.startsWith('Class')).length).toBe(classCount);
  });
});
