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

describe('class 65,536 (the switch from 16- to 32-bit class ids)', () => {
  // Root (class 0) and 65,535 named classes fill ids 0..65,535; the node under test then creates
  // class 65,536, which replaces the 16-bit classOf with a 32-bit copy while it is being assigned.
  const FILLER_CLASSES = 0xffff;
  const kinds: [string, string, (b: SnapshotBuilder, root: number) => void][] = [
    ['a detached native', 'Detached Det0', (b, root) => {
      b.edge(root, 'element', 1e6, b.node('native', 'Det0', { selfSize: 8, detachedness: 2 }));
    }],
    ['a located object', 'Located', (b, root) => {
      b.edge(root, 'element', 1e6, b.node('object', 'Located', { selfSize: 8, location: [9, 1, 2] }));
    }],
    ['a plain object of an interface', '{alpha}', (b, root) => {
      for (let k = 0; k < 2; k++) {
        const object = b.node('object', 'Object', { selfSize: 8 });
        b.edge(root, 'element', 1e6 + k, object).edge(object, 'property', 'alpha', root);
      }
    }],
    ['a located plain object of an interface', '{alpha}', (b, root) => {
      for (let k = 0; k < 2; k++) {
        const object = b.node('object', 'Object', { selfSize: 8, location: [9, 5, k] });
        b.edge(root, 'element', 1e6 + k, object).edge(object, 'property', 'alpha', root);
      }
    }],
    ['a node whose class is its type', 'Function', (b, root) => {
      b.edge(root, 'element', 1e6, b.node('closure', 'f', { selfSize: 32 }));
    }],
  ];

  it.each(kinds)('is counted when %s creates it', (_label, className, addNodes) => {
    const b = new SnapshotBuilder();
    const root = b.root();
    for (let k = 0; k < FILLER_CLASSES; k++) b.edge(root, 'element', k, b.node('object', `Class${k}`, { selfSize: 8 }));
    addNodes(b, root);
    const graph = parseSnapshotText(b.toJSON());
    const index = computeClassIndex(graph);
    expect(index.classOf).toBeInstanceOf(Uint32Array);
    const counts = new Map<string, number>();
    for (let i = 0; i < graph.nodeCount; i++) {
      const name = index.names[index.classOf[i]];
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const expected = className === '{alpha}' ? 2 : 1;
    expect(counts.get(className)).toBe(expected);
    expect(counts.get('(synthetic)')).toBe(1); // no node fell back to class 0 (the root's)
    expect(index.names.indexOf(className)).toBeGreaterThanOrEqual(0x10000);
  });
});
