import { describe, expect, it } from 'vitest';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';
import { parseSnapshotText, loadSnapshot } from '../../src/snapshot/load.ts';
import { computeHolders, HOLDER_KINDS } from '../../src/analysis/holders.ts';
import { fixturePath } from '../helpers/fixtures.ts';

const kindOf = (kind: Uint8Array, node: number) => HOLDER_KINDS[kind[node]];

describe('computeHolders', () => {
  //   root ─shortcut→ global ─.log→ Log ─.text→ s1
  //     │                └─.fn→ closure ─{shared}→ SFI (code) ─→ pool (code) ─→ s2 ─→ s3
  //     │                                      └─{weak}→ w
  //     ├─→ (GC roots) ─→ (Handle scope) ─→ h ─→ s4
  //     │        ├─→ (Stack roots) ─→ s1            (also held by the program: program wins)
  //     │        ├─→ (Internalized strings) ─→ s5    (the string table: V8's cache)
  //     │        └─→ (Strong roots) ─{weak_refs_keep_during_job}→ k
  //     └─ (nothing) → orphan: only a weak edge from global reaches it
  const b = new SnapshotBuilder();
  const root = b.root();
  const gcRoots = b.node('synthetic', '(GC roots)');
  const handles = b.node('synthetic', '(Handle scope)');
  const stack = b.node('synthetic', '(Stack roots)');
  const table = b.node('synthetic', '(Internalized strings)');
  const strong = b.node('synthetic', '(Strong roots)');
  const global = b.node('object', 'global');
  const log = b.node('object', 'Log');
  const s1 = b.node('string', 'logged');
  const closure = b.node('closure', 'handler');
  const sfi = b.node('code', '(shared function info)');
  const pool = b.node('code', '(constant pool)');
  const s2 = b.node('string', 'literal');
  const s3 = b.node('sliced string', 'part');
  const w = b.node('object', 'WeakTarget');
  const h = b.node('object', 'Local');
  const s4 = b.node('string', 'file name');
  const s5 = b.node('string', 'identifier');
  const k = b.node('object', 'Kept');
  b.edge(root, 'element', 1, gcRoots);
  b.edge(root, 'shortcut', '1', global);
  b.edge(gcRoots, 'element', 1, handles);
  b.edge(gcRoots, 'element', 2, stack);
  b.edge(gcRoots, 'element', 3, table);
  b.edge(gcRoots, 'element', 4, strong);
  b.edge(global, 'property', 'log', log);
  b.edge(global, 'property', 'fn', closure);
  b.edge(global, 'weak', 'cache', w);
  b.edge(log, 'property', 'text', s1);
  b.edge(closure, 'internal', 'shared', sfi);
  b.edge(sfi, 'internal', 'constants', pool);
  b.edge(pool, 'internal', '0', s2);
  b.edge(s2, 'internal', 'parent', s3);
  b.edge(handles, 'element', 1, h);
  b.edge(h, 'property', 'file', s4);
  b.edge(stack, 'element', 1, s1);
  b.edge(table, 'element', 1, s5);
  b.edge(strong, 'internal', 'weak_refs_keep_during_job', k);
  const graph = parseSnapshotText(b.toJSON());
  const { kind, parent } = computeHolders(graph);

  it('program: a path from a lasting root through no code metadata, whatever else holds it', () => {
    expect([global, log, s1, closure].map((n) => kindOf(kind, n))).toEqual(['program', 'program', 'program', 'program']);
    expect(parent[s1]).toBe(log);
    expect(parent[log]).toBe(global);
  });

  it('transient: only the handle scope, the stack or the keep-during-job list', () => {
    expect([h, s4, k].map((n) => kindOf(kind, n))).toEqual(['transient', 'transient', 'transient']);
  });

  it('v8: code metadata, what only it holds, and what only the string table holds', () => {
    expect([sfi, pool, s2, s3, s5].map((n) => kindOf(kind, n))).toEqual(['v8', 'v8', 'v8', 'v8', 'v8']);
  });

  it('weak: only a weak edge', () => {
    expect(kindOf(kind, w)).toBe('weak');
  });
});

describe('computeHolders on real snapshots', () => {
  it('leaky-server-3: every RequestContext is held by the program; bytecode is V8\'s', async () => {
    const graph = await loadSnapshot(fixturePath('leaky-server-3'));
    const { kind } = computeHolders(graph);
    let contexts = 0;
    let programContexts = 0;
    let bytecode = 0;
    let programBytecode = 0;
    for (let i = 0; i < graph.nodeCount; i++) {
      const name = graph.nodeNameOf(i);
      if (graph.nodeTypeOf(i) === 'object' && name === 'RequestContext') { contexts++; if (kind[i] === 0) programContexts++; }
      if (name === 'system / BytecodeArray') { bytecode++; if (kind[i] === 0) programBytecode++; }
    }
    expect(contexts).toBe(600);
    expect(programContexts).toBe(600);
    expect(bytecode).toBeGreaterThan(100);
    expect(programBytecode).toBe(0);
  });
});
