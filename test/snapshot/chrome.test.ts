// The one real browser snapshot: fixtures/chrome-page.heapsnapshot.gz, a Chromium page taken over
// CDP by fixtures/programs/chrome-page.mjs (facts by construction in fixtures/README.md). It has
// the Chrome-only layout: 6 node fields, `extra_native_bytes`, the `scopes`, `scope_context_vars`
// and `scope_uses` sections, (almost) no newlines, DOM nodes as `native` nodes with detachedness,
// and no shortcut edges from the root to the Window global.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { fixtureGzPath, fixturePath } from '../helpers/fixtures.ts';

const gz = fixtureGzPath('chrome-page');

interface TopRow { name: string; count: number; selfSize: number; retainedSize: number; distance: number }

async function topRows(...args: string[]): Promise<Map<string, TopRow>> {
  const { status, stdout, stderr } = await runCliInProcess(['top', gz, '--json', '--limit', '0', ...args]);
  expect(stderr).toBe('');
  expect(status).toBe(0);
  const rows = (JSON.parse(stdout) as { classes: TopRow[] }).classes;
  return new Map(rows.map((row) => [row.name, row]));
}

describe('Chrome page snapshot (chrome-page fixture)', () => {
  it('parses, with the Chrome layout: 6 node fields, extra_native_bytes, scope sections, no newlines', async () => {
    const graph = await loadSnapshot(gz);
    expect(graph.nodeCount).toBeGreaterThan(10_000);
    expect(graph.source.meta.node_fields).toEqual(['type', 'name', 'id', 'self_size', 'edge_count', 'detachedness']);
    expect(graph.traceNodeId).toBeNull();
    expect(graph.source.sections).toEqual(expect.arrayContaining(['scopes', 'scope_context_vars', 'scope_uses']));
    expect(graph.source.sections[graph.source.sections.length - 1]).toBe('strings');
    const header = (JSON.parse(fs.readFileSync(fixturePath('chrome-page'), 'latin1')) as { snapshot: Record<string, unknown> }).snapshot;
    expect(header).toHaveProperty('extra_native_bytes');
    expect(fs.readFileSync(fixturePath('chrome-page'), 'latin1').split('\n').length).toBeLessThan(20);
    // The 20 <div class="ghost"> kept in window.detached are the only nodes V8 marks detached.
    expect(graph.detachedNodes.length).toBe(20);
    expect(graph.attachedNodes.length).toBeGreaterThan(20);
  });

  it('top --json names classes as DevTools does: Widget 300, {x, y} 200, <li> 50, Detached <div> 20', async () => {
    const rows = await topRows();
    expect(rows.get('Widget')?.count).toBe(300);
    expect(rows.get('{x, y}')?.count).toBe(200);
    expect(rows.get('<li>')?.count).toBe(50);
    expect(rows.get('Detached <div>')?.count).toBe(20);
    // DevTools propagates detachedness to the ghosts' own native children (one Text each).
    expect(rows.get('Detached Text')?.count).toBe(20);
    // The only attached <div> is the page's <div id="staging">; the ghosts are not counted twice.
    expect(rows.get('<div>')?.count).toBe(1);
  });

  it('top --json --names raw keeps the DOM node names as V8 wrote them', async () => {
    const rows = await topRows('--names', 'raw');
    expect(rows.get('Widget')?.count).toBe(300);
    expect(rows.get('<li class="row">')?.count).toBe(50);
    expect(rows.get('<div class="ghost">')?.count).toBe(20);
  });

  it('chain explains a detached <div> through window.detached', async () => {
    const { status, stdout } = await runCliInProcess(['chain', gz, '--type', 'Detached <div>', '--json']);
    expect(status).toBe(0);
    const { target, chain } = JSON.parse(stdout) as {
      target: { name: string };
      chain: { node: { name: string }; edge: { type: string; name: string | number } | null }[];
    };
    expect(target.name).toBe('<div class="ghost">');
    const tail = chain.slice(-3);
    expect(tail[0].node.name).toMatch(/^Window \[JSGlobalObject\] \/ http:\/\/127\.0\.0\.1:\d+$/);
    expect(tail[0].edge).toEqual({ type: 'property', name: 'detached' });
    expect(tail[1].node.name).toBe('Array');
    expect(tail[1].edge?.type).toBe('element');
    // The root links only (GC roots) here, so the chain starts at a GC root, not at a global.
    expect((await runCliInProcess(['chain', gz, '--type', 'Detached <div>'])).stdout).toMatch(/^<div class="ghost"> @\d+: \d+ hops from a GC root/);
    expect(tail[2].node.name).toBe('<div class="ghost">');
  });

  // Chrome 156 no longer links its Window global from the snapshot root (only (GC roots) is), so
  // the runtime is recognised by the global's name.
  it('info --json reports runtime "chrome"', async () => {
    const { status, stdout } = await runCliInProcess(['info', gz, '--json']);
    expect(status).toBe(0);
    const info = JSON.parse(stdout) as { runtime: string; nodeFields: string[]; globals: string[] };
    expect(info.globals.some((g) => g.startsWith('Window [JSGlobalObject] / http://127.0.0.1:'))).toBe(true);
    expect(info.nodeFields).toHaveLength(6);
    expect(info.runtime).toBe('chrome');
  });
});
