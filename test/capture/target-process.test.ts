import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { activateInspector, checkProcess, isAlive, waitUntilSigusr1Caught } from '../../src/capture/target-process.ts';
import { runCli } from '../helpers/cli.ts';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

function start(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore' });
  started.push(child);
  return child;
}

const exitOf = (child: ChildProcess) => new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));

describe.runIf(process.platform === 'linux')('waitUntilSigusr1Caught (SigCgt in /proc)', () => {
  it('a Node process signalled the moment it is spawned: waits for its handler, so SIGUSR1 opens the inspector instead of killing it', async () => {
    const child = start(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    await waitUntilSigusr1Caught(child.pid!, 5000);
    activateInspector(child.pid!);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(isAlive(child.pid!)).toBe(true);
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBeNull();
  });

  it('a process that never catches SIGUSR1 (sleep): refused after the timeout, and left running', async () => {
    const child = start('sleep', ['30']);
    await expect(waitUntilSigusr1Caught(child.pid!, 200)).rejects.toThrow(/^process \d+ does not handle SIGUSR1 .*refusing to send it/);
    expect(isAlive(child.pid!)).toBe(true);
  });

  it('a process that exits while waited for: says so', async () => {
    const child = start('sleep', ['0.1']);
    const exited = exitOf(child);
    await expect(waitUntilSigusr1Caught(child.pid!, 5000)).rejects.toThrow(/^process \d+ exited before its inspector could be activated$/);
    await exited;
  });

  it('a Node process that has exited but is not reaped yet (a zombie, whose SigCgt still shows the handler): dead, and snapshot --pid says so at once', async () => {
    // sh execs sleep, which never waits for the Node child sh started: that child stays a zombie.
    const parent = start('sh', ['-c', `"${process.execPath}" -e "" & exec sleep 30`]);
    let zombie = 0;
    for (let tries = 0; tries < 100 && zombie === 0; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const child = fs.readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim();
      if (child !== '' && /^State:\s+Z/m.test(fs.readFileSync(`/proc/${child}/status`, 'utf8'))) zombie = Number(child);
    }
    expect(zombie).toBeGreaterThan(0);
    expect(isAlive(zombie)).toBe(false);
    expect(() => checkProcess(zombie, false)).toThrow(`process ${zombie} has exited`);
    const started = Date.now();
    const run = runCli(['snapshot', '--pid', String(zombie), '--timeout', '3']);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`leakscope: process ${zombie} has exited\n`);
    expect(Date.now() - started).toBeLessThan(2500);
  });
});
