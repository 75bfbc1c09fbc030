import { describe, expect, it } from 'vitest';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';
import { parseSnapshotText } from '../../src/snapshot/load.ts';
import { computeClassIndex } from '../../src/snapshot/class-names.ts';
import { computeHistogram } from '../../src/analysis/histogram.ts';
import type { HeapGraph } from '../../src/snapshot/heap-graph.ts';

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

/**
 * DevTools' interface rules (docs/FORMAT.md §2.2) applied object by object, as directly as they read:
 * the reference the interned-shape implementation must agree with.
 */
function referenceInterfaceNames(graph: HeapGraph): Map<number, string> {
  const plain: number[] = [];
  for (let i = 0; i < graph.nodeCount; i++) if (graph.nodeTypeOf(i) === 'object' && graph.nodeNameOf(i) === 'Object') plain.push(i);
  const propertiesOf = (i: number) => {
    const names: string[] = [];
    for (let e = graph.firstEdge[i]; e < graph.firstEdge[i + 1]; e++) if (graph.edgeTypeOf(e) === 'property') names.push(graph.edgeNameOf(e));
    return names;
  };
  const format = (name: string) => (/[,'"{}]/.test(name) ? JSON.stringify(name) : name);
  const candidates = new Map<string, { name: string; properties: string[]; count: number }>();
  for (const i of plain) {
    let name = '{';
    const properties: string[] = [];
    for (const property of propertiesOf(i).filter((p) => p !== '__proto__')) {
      const text = format(property);
      if (name.length > 1 && name.length + text.length > 120) break;
      if (name.length !== 1) name += ', ';
      name += text;
      properties.push(property);
    }
    if (properties.length === 0) continue;
    name += '}';
    const candidate = candidates.get(name);
    if (candidate) candidate.count++;
    else candidates.set(name, { name, properties, count: 1 });
  }
  const minCount = Math.max(2, plain.length / 1000);
  const definitions = [...candidates.values()].sort((a, b) => b.count - a.count).filter((c) => c.count >= minCount);
  const isSubMultiset = (small: string[], big: string[]) => {
    const left = new Map<string, number>();
    for (const p of big) left.set(p, (left.get(p) ?? 0) + 1);
    return small.every((p) => { const n = left.get(p) ?? 0; left.set(p, n - 1); return n > 0; });
  };
  const result = new Map<number, string>();
  for (const i of plain) {
    const properties = propertiesOf(i);
    let best: { name: string; properties: string[] } | undefined;
    for (const d of definitions) {
      if (isSubMultiset(d.properties, properties) && (!best || d.properties.length > best.properties.length)) best = d;
    }
    result.set(i, best?.name ?? 'Object');
  }
  return result;
}

describe('plain-object interfaces (shapes interned once, matched per shape)', () => {
  it('name every plain object as DevTools would, object by object', () => {
    // 4,000 plain objects over ~1,500 distinct property lists (more than the shape table's first
    // size): shared names in shuffled orders, names DevTools quotes, empty names, __proto__, and
    // lists long enough to be cut at 120 characters.
    let seed = 7;
    const random = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
    const vocabulary = ['id', 'name', 'type', 'value', 'a,b', 'say "hi"', '{x}', '', '__proto__', 'children', 'parent',
      'description_of_the_feature_in_words', 'mdn_url_for_the_documentation_page', 'version_added_in_that_browser', 'flags'];
    const b = new SnapshotBuilder();
    const root = b.root();
    const target = b.node('object', 'Target', { selfSize: 8 });
    b.edge(root, 'element', 0, target);
    for (let k = 0; k < 4000; k++) {
      const object = b.node('object', 'Object', { selfSize: 16 });
      b.edge(root, 'element', k + 1, object);
      const template = k % 3 === 0 ? random(1500) : random(12);
      let local = template * 2654435761 >>> 0;
      const pick = () => { local = (Math.imul(local, 1103515245) + 12345) >>> 0; return (local >>> 8) % vocabulary.length; };
      const count = 1 + (template % 9);
      for (let p = 0; p < count; p++) b.edge(object, 'property', vocabulary[pick()], target);
      if (template % 5 === 0) b.edge(object, 'property', `own${template}`, target);
      b.edge(object, 'internal', 'map', target);
    }
    const graph = parseSnapshotText(b.toJSON());
    const index = computeClassIndex(graph);
    const expected = referenceInterfaceNames(graph);
    const mismatches = [...expected].filter(([i, name]) => index.names[index.classOf[i]] !== name).slice(0, 5)
      .map(([i, name]) => `node ${i}: ${index.names[index.classOf[i]]}, expected ${name}`);
    expect(mismatches).toEqual([]);
    expect(new Set(expected.values()).size).toBeGreaterThan(20);
  });

  it('compares property names by text, as DevTools does, when two string indexes hold one name', () => {
    const b = new SnapshotBuilder();
    const root = b.root();
    const target = b.node('object', 'Target', { selfSize: 8 });
    for (let k = 0; k < 4; k++) {
      const object = b.node('object', 'Object', { selfSize: 16 });
      b.edge(root, 'element', k, object);
      b.edge(object, 'property', 'id', target).edge(object, 'property', k % 2 === 0 ? 'label' : 'label\u0000copy', target);
    }
    // A producer that does not deduplicate: a second "label" string at another index.
    const json = JSON.parse(b.toJSON()) as { strings: string[] };
    json.strings[json.strings.indexOf('label\u0000copy')] = 'label';
    const graph = parseSnapshotText(JSON.stringify(json));
    const index = computeClassIndex(graph);
    const counts = new Map<string, number>();
    for (let i = 0; i < graph.nodeCount; i++) counts.set(index.names[index.classOf[i]], (counts.get(index.names[index.classOf[i]]) ?? 0) + 1);
    expect(counts.get('{id, label}')).toBe(4);
  });
});

describe('more than 65,536 distinct property lists', () => {
  it('widens the shape ids and still matches every object', () => {
    // One object {lonely} (shape 0, no interface); 35,000 objects {common} make the one interface;
    // 70,000 objects {common, uK}, each list its own, match it as a superset: 70,002 shapes, past
    // the 16-bit shape ids (shape 65,536 cut to 16 bits would be {lonely}'s).
    const b = new SnapshotBuilder();
    const root = b.root();
    const target = b.node('object', 'Target', { selfSize: 8 });
    const lonely = b.node('object', 'Object', { selfSize: 16 });
    b.edge(root, 'element', 1e6, lonely).edge(lonely, 'property', 'lonely', target);
    let k = 0;
    for (let i = 0; i < 35_000; i++) {
      const object = b.node('object', 'Object', { selfSize: 16 });
      b.edge(root, 'element', k++, object).edge(object, 'property', 'common', target);
    }
    for (let i = 0; i < 70_000; i++) {
      const object = b.node('object', 'Object', { selfSize: 16 });
      b.edge(root, 'element', k++, object).edge(object, 'property', 'common', target).edge(object, 'property', `u${i}`, target);
    }
    const graph = parseSnapshotText(b.toJSON());
    const index = computeClassIndex(graph);
    let named = 0;
    for (let i = 0; i < graph.nodeCount; i++) if (index.names[index.classOf[i]] === '{common}') named++;
    expect(named).toBe(105_000);
  });
});
