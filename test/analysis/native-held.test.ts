// Objects held only by native code (src/analysis/native-held.ts) on a real program: message ports
// left open with a listener (native-held.mjs), and its twin that closes them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.ts';
import { findNativeHeld, type NativeHeldResult } from '../../src/analysis/native-held.ts';
import { renderNativeHeldText, nativeHeldToJson } from '../../src/report/native-held.ts';
import type { HeapGraph } from '../../src/snapshot/heap-graph.ts';
import { runCliInProcess } from '../helpers/cli.ts';

const PROGRAM = path.resolve(import.meta.dirname, '../../fixtures/programs/native-held.mjs');
const PORTS = 400; // 200 channels, two ports each
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-native-held-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeNativeHeldSnapshot(dir: string, mode: 'leak' | 'healthy'): string {
  const file = path.join(dir, `native-held-${mode}.heapsnapshot`);
  const r = spawnSync(process.execPath, ['--expose-gc', PROGRAM, file, mode], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`native-held.mjs ${mode} failed: ${r.stderr}`);
  return file;
}

function row(result: NativeHeldResult, name: string) {
  return result.classes.find((c) => result.classIndex.names[c.classId] === name);
}

describe('objects held only by native code', () => {
  let leak: HeapGraph;
  let healthy: HeapGraph;
  let leakFile: string;
  let healthyFile: string;
  beforeAll(async () => {
    [leakFile, healthyFile] = [writeNativeHeldSnapshot(tmp, 'leak'), writeNativeHeldSnapshot(tmp, 'healthy')];
    [leak, healthy] = await Promise.all([loadSnapshot(leakFile), loadSnapshot(healthyFile)]);
  }, 120_000);

  it('finds the open ports, held by Node\'s MessagePort, with the listener and Job each one keeps', async () => {
    const result = findNativeHeld(leak);
    const ports = row(result, 'MessagePort')!;
    expect(ports.count).toBe(PORTS);
    expect(result.classIndex.names[result.classes[0].classId]).toBe('MessagePort');
    expect(ports.holders).toEqual([{ name: 'Node / MessagePort', count: PORTS }]);
    // A listening port retains its listener closure and the Job it captured (an array of 32).
    expect(ports.retainedSize).toBeGreaterThan(PORTS * 1000);
    // No JavaScript object refers to a native-held port from outside what the port itself holds.
    for (const o of ports.examples) {
      for (let r = leak.firstRetainer[o]; r < leak.firstRetainer[o + 1]; r++) {
        const source = leak.retainerNode[r];
        if (leak.nodeTypeOf(source) === 'object') expect(leak.nodeNameOf(source)).toBe('system / Context');
      }
    }
  });

  it('finds no port in the twin that closes them, and the same runtime rest in both', async () => {
    const result = findNativeHeld(healthy);
    expect(row(result, 'MessagePort')).toBeUndefined();
    const rest = (r: NativeHeldResult) => r.classes.filter((c) => r.classIndex.names[c.classId] !== 'MessagePort').map((c) => `${r.classIndex.names[c.classId]}×${c.count}`);
    expect(rest(result)).toEqual(rest(findNativeHeld(leak)));
  });

  it('reports them as a class table and as JSON', async () => {
    const result = findNativeHeld(leak);
    const text = renderNativeHeldText(leak, result, { file: 'leak.heapsnapshot' });
    expect(text).toMatch(/^Held only by native code in leak\.heapsnapshot: \d+ objects retain /);
    expect(text).toMatch(/\nMessagePort +400 +.* 400 Node \/ MessagePort +@\d+ @\d+ @\d+\n/);
    const json = nativeHeldToJson(leak, result, 'leak.heapsnapshot');
    expect(json.nativeOnly.classes[0]).toMatchObject({ name: 'MessagePort', count: PORTS, holders: [{ name: 'Node / MessagePort', count: PORTS }] });
    expect(renderNativeHeldText(healthy, { ...findNativeHeld(healthy), objectCount: 0, classes: [] }, { file: 'x' })).toBe('Nothing in x is held only by native code.\n');
  });

  it('leakscope suspects SNAP --native-only  (the class table; --json; the twin lists no port)', async () => {
    const r = await runCliInProcess(['suspects', leakFile, '--native-only'], { env: { NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]).toMatch(/^Held only by native code in .*native-held-leak\.heapsnapshot: \d+ objects retain /);
    expect(r.stdout).toMatch(/\nMessagePort +400 /);
    const json = JSON.parse((await runCliInProcess(['suspects', leakFile, '--native-only', '--json'])).stdout);
    expect(json.nativeOnly.classes[0]).toMatchObject({ name: 'MessagePort', count: PORTS });
    expect((await runCliInProcess(['suspects', healthyFile, '--native-only'], { env: { NO_COLOR: '1' } })).stdout).not.toContain('MessagePort');
  });
});
