import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { activateInspector, isAlive, waitUntilSigusr1Caught } from '../../src/capture/target-process.ts';

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
});
