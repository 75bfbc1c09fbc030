import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../src/capture/scenario.ts';
import { trackedPids } from '../../src/capture/children.ts';
import { loadSnapshot } from '../../src/snapshot/load.ts';
import { computeHistogram } from '../../src/analysis/histogram.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-scenario-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeScenario(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

async function countOf(file: string, name: string): Promise<number> {
  const graph = await loadSnapshot(file);
  return computeHistogram(graph).classes.find((c) => c.name === name)?.count ?? 0;
}

describe('runScenario', () => {
  it('runs a TypeScript scenario: setup, warm-up, then a snapshot after warm-up and after each batch', async () => {
    const scenario = writeScenario('grows.ts', `
      class Retained { constructor(readonly i: number) {} }
      const kept: Retained[] = [];
      export function setup(): { label: string } { return { label: 'ctx' }; }
      export async function action(context: { label: string }, i: number): Promise<void> {
        if (context.label !== 'ctx') throw new Error('setup context not passed');
        kept.push(new Retained(i));
      }
      export function teardown(): void {}
    `);
    const seen: number[] = [];
    const result = await runScenario({
      scenario, dir, warmup: 3, iterations: 7, batches: 2,
      onSnapshot: (s) => seen.push(s.iterations),
    });
    expect(seen).toEqual([0, 4, 7]);
    expect(result.snapshots).toHaveLength(3);
    expect(await Promise.all(result.snapshots.map((f) => countOf(f, 'Retained')))).toEqual([3, 7, 10]);
    expect(trackedPids()).toEqual([]);
  });

  it('reports the phase and message when the scenario throws, and leaves no process behind', async () => {
    const scenario = writeScenario('throws.mjs', `
      export function action(_context, i) { if (i === 2) throw new Error('boom at 2'); }
    `);
    await expect(runScenario({ scenario, dir, warmup: 5, iterations: 2, batches: 1 }))
      .rejects.toThrow(/throws\.mjs failed during warmup: boom at 2/);
    expect(trackedPids()).toEqual([]);
  });

  it('refuses a module without an action, and a missing file', async () => {
    const scenario = writeScenario('empty.mjs', 'export const nothing = 1;\n');
    await expect(runScenario({ scenario, dir, iterations: 1, batches: 1 })).rejects.toThrow(/exports no action function/);
    await expect(runScenario({ scenario: path.join(dir, 'nope.mjs'), dir })).rejects.toThrow(/no such scenario file/);
  });

  it('kills a scenario that hangs past the timeout', async () => {
    const scenario = writeScenario('hangs.mjs', 'export function action() { return new Promise(() => setInterval(() => {}, 1000)); }\n');
    await expect(runScenario({ scenario, dir, warmup: 1, iterations: 1, batches: 1, timeoutMs: 1500 }))
      .rejects.toThrow(/did not finish within 2 s/);
    expect(trackedPids()).toEqual([]);
  });
});
