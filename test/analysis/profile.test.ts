// Allocation sites and growth from sampling heap profiles, on small trees worked by hand.
import { describe, expect, it } from 'vitest';
import { parseHeapProfile } from '../../src/snapshot/heap-profile.ts';
import { computeProfileGrowth, stackFrames, summarizeHeapProfile } from '../../src/analysis/heap-profile.ts';

interface Node { name: string; self: number; id: number; children?: Node[] }

function profileText(root: Node, samples: [nodeId: number, size: number][] = []): string {
  const toJson = (n: Node): unknown => ({
    callFrame: { functionName: n.name, scriptId: '3', url: n.name === '(root)' ? '' : 'file:///app.js', lineNumber: n.name.charCodeAt(0) % 10, columnNumber: 4 },
    selfSize: n.self, id: n.id, children: (n.children ?? []).map(toJson),
  });
  return JSON.stringify({ head: toJson(root), samples: samples.map(([nodeId, size], ordinal) => ({ nodeId, size, ordinal })) });
}

//   (root)
//    └ a 10 ── b 5 ── a 7        a recurses through b: its total counts the inner a once
//    └ c 3
const RECURSIVE: Node = { name: '(root)', self: 0, id: 1, children: [
  { name: 'a', self: 10, id: 2, children: [{ name: 'b', self: 5, id: 3, children: [{ name: 'a', self: 7, id: 4 }] }] },
  { name: 'c', self: 3, id: 5 },
] };

describe('summarizeHeapProfile', () => {
  it('folds the tree by site: self where allocated, total once per stack even through recursion', () => {
    const profile = parseHeapProfile(profileText(RECURSIVE, [[4, 7], [2, 10], [99, 1]]));
    expect(profile.totalSize).toBe(25);
    // A sample naming a node the tree left out (V8 writes some) counts in the total only.
    expect(profile.sampleTotal).toBe(3);
    const summary = summarizeHeapProfile(profile);
    expect(summary.sites.map((s) => [s.site.functionName, s.selfSize, s.totalSize, s.samples])).toEqual([
      ['a', 17, 22, 2],
      ['b', 5, 12, 0],
      ['c', 3, 3, 0],
    ]);
    expect(Array.from(summary.stackNodes, (n) => profile.selfSize[n])).toEqual([10, 7, 5, 3]);
    expect(stackFrames(profile, summary.stackNodes[1]).map((f) => f.functionName)).toEqual(['a', 'b', 'a']);
  });

  it('computeProfileGrowth: per-site self size across profiles, the largest increase first; unchanged sites left out', () => {
    const before = parseHeapProfile(profileText(RECURSIVE));
    const after = parseHeapProfile(profileText({ ...RECURSIVE, children: [
      { name: 'a', self: 10, id: 2, children: [{ name: 'b', self: 50, id: 3 }] },
      { name: 'c', self: 3, id: 5 },
      { name: 'd', self: 4, id: 6 },
    ] }));
    const growth = computeProfileGrowth([before, after]);
    expect(growth.totalSizes).toEqual([25, 67]);
    expect(growth.sites.map((g) => [g.site.functionName, g.selfSizes, g.delta])).toEqual([
      ['b', [5, 50], 45],
      ['d', [0, 4], 4],
      ['a', [17, 10], -7],
    ]);
  });
});
