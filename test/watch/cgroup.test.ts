// The cgroup reader: fixture trees of both versions (limits nest; a host path missing inside the
// container's namespace falls back to the mount root), and the real /sys/fs/cgroup where present.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCgroupDir, readCgroupOf, readContainerMemory } from '../../src/watch/cgroup.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-cgroup-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function write(dir: string, files: Record<string, string>): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
}

describe('cgroup memory', () => {
  it('v2: memory.max and memory.current of the cgroup /proc names; the smallest limit up the tree; working set without inactive file cache', () => {
    const v2 = path.join(root, 'v2');
    write(v2, { 'cgroup.controllers': 'memory\n' });
    write(path.join(v2, 'kubepods'), { 'memory.max': '536870912\n', 'memory.current': '1\n' });
    write(path.join(v2, 'kubepods/pod1'), { 'memory.max': 'max\n', 'memory.current': '300000000\n', 'memory.stat': 'anon 1\ninactive_file 50000000\nactive_file 2\n' });
    expect(readCgroupOf('0::/kubepods/pod1\n', v2)).toEqual({ version: 2, dir: path.join(v2, 'kubepods/pod1'), usage: 300_000_000, workingSet: 250_000_000, limit: 536_870_912 });
    // No limit anywhere: "max".
    write(path.join(v2, 'free'), { 'memory.max': 'max\n', 'memory.current': '1000\n' });
    expect(readCgroupOf('0::/free\n', v2)?.limit).toBeUndefined();
  });

  it('v1: memory.limit_in_bytes (its huge "no limit" ignored) and usage_in_bytes; a host path missing in the namespace falls back to the mount root', () => {
    const v1 = path.join(root, 'v1');
    write(path.join(v1, 'memory'), { 'memory.limit_in_bytes': '268435456\n', 'memory.usage_in_bytes': '200000000\n', 'memory.stat': 'cache 5\ntotal_inactive_file 10000000\n' });
    const text = '12:pids:/docker/abc\n4:memory:/docker/abc\n0::/\n';
    expect(readCgroupOf(text, v1)).toEqual({ version: 1, dir: path.join(v1, 'memory'), usage: 200_000_000, workingSet: 190_000_000, limit: 268_435_456 });
    write(path.join(v1, 'memory/docker/abc'), { 'memory.limit_in_bytes': '9223372036854771712\n', 'memory.usage_in_bytes': '42\n' });
    expect(readCgroupOf(text, v1)).toMatchObject({ dir: path.join(v1, 'memory/docker/abc'), usage: 42, limit: 268_435_456 });
  });

  it('no memory controller: undefined', () => {
    expect(readCgroupOf('1:cpu:/\n', path.join(root, 'none'))).toBeUndefined();
    expect(readCgroupDir(path.join(root, 'none'), root)).toBeUndefined();
  });

  it('LEAKSCOPE_CGROUP_DIR names the directory to read', () => {
    const dir = path.join(root, 'simulated');
    write(dir, { 'memory.max': '100000000\n', 'memory.current': '99000000\n' });
    expect(readContainerMemory(process.pid, { LEAKSCOPE_CGROUP_DIR: dir })).toMatchObject({ version: 2, usage: 99_000_000, limit: 100_000_000 });
  });

  it.runIf(fs.existsSync('/proc/self/cgroup') && fs.existsSync('/sys/fs/cgroup'))('the real /sys/fs/cgroup of this process: a reading with a positive use, or none when no memory controller is mounted', () => {
    const memory = readContainerMemory(process.pid, {});
    const hasController = /(^|\n)\d+:([^:]*,)?memory(,[^:]*)?:/.test(fs.readFileSync('/proc/self/cgroup', 'utf8')) || fs.existsSync('/sys/fs/cgroup/memory.current');
    if (!hasController) return expect(memory).toBeUndefined();
    expect(memory!.usage).toBeGreaterThan(0);
    expect(memory!.workingSet).toBeLessThanOrEqual(memory!.usage);
    expect(memory!.limit === undefined || memory!.limit > 0).toBe(true);
  });
});
