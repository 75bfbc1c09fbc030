import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/cli.ts';
import { isAlive } from '../helpers/processes.ts';
import { killChild, removeWhenGone, spawnTree, trackedPids } from '../../src/capture/children.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-children-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function waitFor(check: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/** A parent that tracks one sleeping child, prints its pid, then waits (or throws, or exits). */
function startParent(mode: 'wait' | 'throw'): { parent: ReturnType<typeof spawn>; childPid: Promise<number> } {
  const script = path.join(dir, `parent-${mode}.mts`);
  fs.writeFileSync(script, `
    import { spawn } from 'node:child_process';
    import { trackChild } from ${JSON.stringify(path.join(PROJECT_ROOT, 'src/capture/children.ts'))};
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    trackChild(child);
    console.log(child.pid);
    ${mode === 'throw' ? "setTimeout(() => { throw new Error('unhandled'); }, 300);" : 'setInterval(() => {}, 1000);'}
  `);
  const parent = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/run-ts.js'), script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const childPid = new Promise<number>((resolve) => {
    parent.stdout!.once('data', (data: Buffer) => resolve(Number(data.toString().trim())));
  });
  return { parent, childPid };
}

describe('trackChild', () => {
  it('kills tracked children when the parent gets SIGINT, and the parent still dies of SIGINT', async () => {
    const { parent, childPid } = startParent('wait');
    const pid = await childPid;
    expect(isAlive(pid)).toBe(true);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => parent.once('exit', (_code, signal) => resolve(signal)));
    parent.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    expect(await waitFor(() => !isAlive(pid))).toBe(true);
  });

  it('kills tracked children when the parent dies of an uncaught error', async () => {
    const { parent, childPid } = startParent('throw');
    const pid = await childPid;
    const code = await new Promise<number | null>((resolve) => parent.once('exit', (c) => resolve(c)));
    expect(code).not.toBe(0);
    expect(await waitFor(() => !isAlive(pid))).toBe(true);
  });
});

describe('spawnTree', () => {
  it('killChild kills the grandchildren too: one that left the group (detached) and one orphaned, after the leader exited', async () => {
    const script = `
      const { spawn } = require('node:child_process');
      const attached = spawn('sleep', ['1000'], { stdio: 'ignore' });
      const detached = spawn('sleep', ['1000'], { stdio: 'ignore', detached: true });
      console.log(attached.pid, detached.pid);
      process.exit(0);
    `;
    const child = spawnTree(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    let output = '';
    child.stdout!.on('data', (d) => { output += d; });
    await new Promise((resolve) => child.once('exit', resolve));
    const pids = output.trim().split(' ').map(Number);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    // Still tracked: its descendants outlive it until killChild.
    expect(trackedPids()).toContain(child.pid);
    await killChild(child);
    for (const pid of pids) expect(await waitFor(() => !isAlive(pid))).toBe(true);
    expect(trackedPids()).toEqual([]);
  });
});

describe('removeWhenGone', () => {
  it('removes the folder when its process is killed outright (SIGKILL: no handler runs)', async () => {
    const target = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-when-gone-'));
    fs.writeFileSync(path.join(target, 'file'), 'x');
    const script = path.join(dir, 'when-gone.mts');
    fs.writeFileSync(script, `
      import { removeWhenGone } from ${JSON.stringify(path.join(PROJECT_ROOT, 'src/capture/children.ts'))};
      removeWhenGone(${JSON.stringify(target)});
      console.log('armed');
      setInterval(() => {}, 1000);
    `);
    const parent = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/run-ts.js'), script], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((resolve) => parent.stdout!.once('data', resolve));
    expect(fs.existsSync(target)).toBe(true);
    parent.kill('SIGKILL');
    expect(await waitFor(() => !fs.existsSync(target))).toBe(true);
  });

  it('leaves the folder while its process lives, and its release ends the watcher', async () => {
    const target = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-when-gone-'));
    const release = removeWhenGone(target);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fs.existsSync(target)).toBe(true);
    fs.rmSync(target, { recursive: true });
    release();
  });
});
