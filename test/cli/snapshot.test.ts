import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCliAsync } from '../helpers/cli.ts';
import { freePort, isAlive, isInspectorOpen, isListening, waitFor } from '../helpers/processes.ts';
import { loadSnapshot } from '../../src/snapshot/load.ts';
import { computeHistogram } from '../../src/analysis/histogram.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-snapshot-cli-'));
const started: ChildProcess[] = [];
/** Files that end a blocked target's blocking call (see startBlockedTarget). */
const gates: string[] = [];
afterEach(() => {
  for (const gate of gates.splice(0)) fs.writeFileSync(gate, '');
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const leakscope = (args: string[], onStderr?: (text: string, cli: ChildProcess) => void) => runCliAsync(args, onStderr);

const SERVER = `
  class Widget { constructor(i) { this.i = i; } }
  globalThis.widgets = Array.from({ length: 123 }, (_, i) => new Widget(i));
  const server = HTTP.createServer((req, res) => res.end('still here')).listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

/** A real HTTP server on 127.0.0.1:0 holding 123 Widgets; its inspector port is chosen free. */
async function startServer(kind: 'cjs' | 'esm'): Promise<{ child: ChildProcess; httpPort: number; inspectorPort: number }> {
  const file = path.join(dir, `server.${kind === 'esm' ? 'mjs' : 'cjs'}`);
  fs.writeFileSync(file, (kind === 'esm' ? "import HTTP from 'node:http';\n" : "const HTTP = require('node:http');\n") + SERVER);
  const inspectorPort = await freePort();
  const child = spawn(process.execPath, [`--inspect-port=${inspectorPort}`, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  const httpPort = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  return { child, httpPort, inspectorPort };
}

/** A Node program that prints `ready`, then idles; its stderr is collected (Node prints "Debugger listening" there). */
async function startTarget(nodeArgs: string[], env: Record<string, string> = {}, script = IDLE): Promise<{ child: ChildProcess; stderr: () => string }> {
  const file = path.join(dir, `target-${started.length}-${Math.random().toString(36).slice(2, 8)}.cjs`);
  fs.writeFileSync(file, script);
  const child = spawn(process.execPath, [...nodeArgs, file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  started.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  return { child, stderr: () => stderr };
}

const IDLE = "console.log('ready'); setInterval(() => {}, 1000);\n";

/**
 * A target whose main thread is blocked in a synchronous call (execSync) from just after `ready`
 * until the test creates the returned gate file (or 20 s pass). A JS busy loop would not do: V8
 * interrupts it to open the inspector and to run the protocol's commands.
 */
async function startBlockedTarget(port: number): Promise<{ child: ChildProcess; stderr: () => string; gate: string }> {
  const gate = path.join(dir, `gate-${port}`);
  gates.push(gate);
  const script = `
    const { execFileSync } = require('node:child_process');
    console.log('ready');
    setTimeout(() => execFileSync('sh', ['-c', 'i=0; while [ ! -e "$GATE" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done']), 0);
    setInterval(() => {}, 1000);
  `;
  return { ...await startTarget([`--inspect-port=127.0.0.1:${port}`], { GATE: gate }, script), gate };
}

describe('leakscope snapshot --pid', () => {
  for (const kind of ['cjs', 'esm'] as const) {
    it(`leakscope snapshot --pid <${kind} server> --out FILE: a loadable snapshot, the server still serving, its inspector closed`, async () => {
      const { child, httpPort, inspectorPort } = await startServer(kind);
      const file = path.join(dir, `${kind}.heapsnapshot`);
      const run = await leakscope(['snapshot', '--pid', String(child.pid), '--out', file]);
      expect(run.stderr).toMatch(/inspector closed again/);
      expect(run.status).toBe(0);
      expect(run.stdout.trim()).toBe(file);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600); // heaps hold secrets
      const graph = await loadSnapshot(file);
      expect(computeHistogram(graph).classes.find((c) => c.name === 'Widget')?.count).toBe(123);
      expect(child.exitCode).toBeNull();
      expect(await (await fetch(`http://127.0.0.1:${httpPort}/`)).text()).toBe('still here');
      expect(await isInspectorOpen(inspectorPort)).toBe(false);
    });
  }

  it('leakscope snapshot --pid P --count 2 --interval 0: one session, so `growth` accepts the pair (ids agree)', async () => {
    const { child, inspectorPort } = await startServer('cjs');
    const base = path.join(dir, 'series.heapsnapshot');
    const run = await leakscope(['snapshot', '--pid', String(child.pid), '--out', base, '--count', '2', '--interval', '0']);
    expect(run.status).toBe(0);
    const files = [path.join(dir, 'series-1.heapsnapshot'), path.join(dir, 'series-2.heapsnapshot')];
    expect(run.stdout.trim().split('\n')).toEqual(files);
    const growth = await leakscope(['growth', ...files, '--no-retainers']);
    expect(growth.stderr).toBe('');
    expect(growth.stdout).toMatch(/one process \(object ids agree\)/);
    expect(await isInspectorOpen(inspectorPort)).toBe(false);
  });

  it('leakscope snapshot --pid P --sampling 1: a .heapprofile whose heaviest site is the allocating function and line; inspector closed', async () => {
    // makeRecord (line 2) allocates 160 kB every 10 ms, kept: the live samples are its. Called once
    // per tick, it stays cold enough not to be inlined into its caller (which would take its samples).
    const script = "console.log('ready');\nfunction makeRecord(i) { return new Array(20000).fill(i); }\nconst kept = [];\nsetInterval(() => kept.push(makeRecord(kept.length)), 10);\n";
    const port = await freePort();
    const { child } = await startTarget([`--inspect-port=127.0.0.1:${port}`], {}, script);
    const file = path.join(dir, 'alloc.heapprofile');
    const run = await leakscope(['snapshot', '--pid', String(child.pid), '--sampling', '1', '--out', file]);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(file);
    expect(run.stderr).toMatch(/sampling heap profile, [\d,]+ live samples, .*; inspector closed again/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    interface ProfileNode { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: ProfileNode[] }
    const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as { head: ProfileNode; samples: unknown[] };
    const totals = new Map<string, number>();
    const visit = (node: ProfileNode, caller: string): void => {
      // A builtin (Array.prototype.fill) is charged to the script frame that called it.
      const site = node.callFrame.url.startsWith('/') || node.callFrame.url.startsWith('file:') ? `${node.callFrame.functionName}:${node.callFrame.lineNumber + 1}` : caller;
      totals.set(site, (totals.get(site) ?? 0) + node.selfSize);
      for (const next of node.children) visit(next, site);
    };
    visit(profile.head, '(root)');
    const heaviest = [...totals].sort((a, b) => b[1] - a[1])[0][0];
    expect(heaviest).toBe('makeRecord:2');
    expect(await isInspectorOpen(port)).toBe(false);
  });

  it('Ctrl-C during --interval closes the target\'s inspector before leakscope exits', async () => {
    const { child, inspectorPort } = await startServer('cjs');
    let isSent = false;
    const run = await leakscope(['snapshot', '--pid', String(child.pid), '--out', path.join(dir, 'int.heapsnapshot'), '--count', '3', '--interval', '30'], (text, cli) => {
      if (!isSent && text.includes('waiting 30 s')) {
        isSent = true;
        cli.kill('SIGINT');
      }
    });
    expect(isSent).toBe(true);
    expect(run.signal).toBe('SIGINT');
    expect(await isInspectorOpen(inspectorPort)).toBe(false);
    expect(child.exitCode).toBeNull();
  });

  it('leakscope snapshot --pid <no such process> exits 2', async () => {
    const run = await leakscope(['snapshot', '--pid', '4194000']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^leakscope: no process with pid 4194000$/m);
  });

  it('leakscope snapshot --pid <sleep> refuses a process that is not Node and leaves it alone', async () => {
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    started.push(sleeper);
    const run = await leakscope(['snapshot', '--pid', String(sleeper.pid)]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/does not look like Node\.js; refusing to send it SIGUSR1/);
    expect(sleeper.exitCode).toBeNull();
    expect(sleeper.signalCode).toBeNull();
  });

  it('leakscope snapshot --pid P --port WRONG closes the inspector it opened elsewhere', async () => {
    const { child, inspectorPort } = await startServer('cjs');
    const run = await leakscope(['snapshot', '--pid', String(child.pid), '--port', String(await freePort())]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`opened its inspector on port ${inspectorPort}`);
    expect(await isInspectorOpen(inspectorPort)).toBe(false);
  }, 20_000);
});

describe('leakscope snapshot --pid: where the target opens its inspector', () => {
  it('leakscope snapshot --pid <node --inspect-port 127.0.0.1:PORT app> (space-separated): snapshot taken, nothing left listening on PORT', async () => {
    const port = await freePort();
    const { child } = await startTarget(['--inspect-port', `127.0.0.1:${port}`]);
    const run = await leakscope(['snapshot', '--pid', String(child.pid), '--out', path.join(dir, 'space.heapsnapshot')]);
    expect(run.stderr).toContain(`waiting for 127.0.0.1:${port}`);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/inspector closed again/);
    expect(isListening(port)).toBe(false);
  });

  it('leakscope snapshot --pid <NODE_OPTIONS="--inspect-port 127.0.0.1:PORT" node app>: snapshot taken, nothing left listening on PORT', async () => {
    const port = await freePort();
    const { child } = await startTarget([], { NODE_OPTIONS: `--inspect-port 127.0.0.1:${port}` });
    const run = await leakscope(['snapshot', '--pid', String(child.pid), '--out', path.join(dir, 'node-options.heapsnapshot')]);
    expect(run.stderr).toContain(`waiting for 127.0.0.1:${port}`);
    expect(run.status).toBe(0);
    expect(isListening(port)).toBe(false);
  });

  it('leakscope snapshot --pid <node --inspect-port=0 app>: finds the random port through /proc, and closes it', async () => {
    const { child, stderr } = await startTarget(['--inspect-port=0']);
    const run = await leakscope(['snapshot', '--pid', String(child.pid), '--out', path.join(dir, 'random.heapsnapshot')]);
    expect(run.status).toBe(0);
    const port = Number(/Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr())?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(isListening(port)).toBe(false);
  });

  it('leakscope snapshot --pid <node --inspect-port 0.0.0.0:PORT app>: refused before any signal, nothing listening', async () => {
    const port = await freePort();
    const { child, stderr } = await startTarget(['--inspect-port', `0.0.0.0:${port}`]);
    const run = await leakscope(['snapshot', '--pid', String(child.pid)]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`leakscope: process ${child.pid} would open its inspector on 0.0.0.0:${port} (set by --inspect-port 0.0.0.0:${port} on its command line)`);
    expect(run.stderr).toContain(`Restart it with --inspect-port=127.0.0.1:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stderr()).not.toMatch(/Debugger listening/);
    expect(isListening(port)).toBe(false);
    expect(child.exitCode).toBeNull();
  });

  it('leakscope snapshot --pid <blocked target> --timeout 1: exits 2, and a watcher closes the inspector once the target unblocks', async () => {
    const port = await freePort();
    const { child, stderr, gate } = await startBlockedTarget(port);
    const run = await leakscope(['snapshot', '--pid', String(child.pid), '--timeout', '1']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`did not open its inspector on 127\\.0\\.0\\.1:${port} within 1 s`));
    const watcher = Number(/a watcher \(pid (\d+)\) closes it/.exec(run.stderr)?.[1]);
    expect(isAlive(watcher)).toBe(true);
    fs.writeFileSync(gate, '');
    // The target opens the inspector when its blocking call returns; the watcher closes it and ends.
    expect(await waitFor(() => stderr().includes(`Debugger listening on ws://127.0.0.1:${port}/`), 10_000)).toBe(true);
    expect(await waitFor(() => !isListening(port), 10_000)).toBe(true);
    expect(await waitFor(() => !isAlive(watcher), 5000)).toBe(true);
    expect(child.exitCode).toBeNull();
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal === 'SIGINT' ? 'Ctrl-C' : signal} while leakscope snapshot --pid waits for a blocked target: dies of it at once, and the inspector is closed once the target unblocks`, async () => {
      const port = await freePort();
      const { child, stderr, gate } = await startBlockedTarget(port);
      let sentAt = 0;
      const run = await leakscope(['snapshot', '--pid', String(child.pid), '--timeout', '60'], (text, cli) => {
        if (sentAt === 0 && text.includes('activated the inspector')) {
          sentAt = Date.now();
          cli.kill(signal);
        }
      });
      expect(sentAt).toBeGreaterThan(0);
      expect(run.signal).toBe(signal);
      expect(Date.now() - sentAt).toBeLessThan(5000);
      const watcher = Number(/a watcher \(pid (\d+)\) closes it/.exec(run.stderr)?.[1]);
      expect(watcher).toBeGreaterThan(0);
      fs.writeFileSync(gate, '');
      expect(await waitFor(() => stderr().includes(`Debugger listening on ws://127.0.0.1:${port}/`), 10_000)).toBe(true);
      expect(await waitFor(() => !isListening(port), 10_000)).toBe(true);
      expect(await waitFor(() => !isAlive(watcher), 5000)).toBe(true);
    });
  }
});

describe('leakscope snapshot -- COMMAND', () => {
  it('leakscope snapshot --out-dir DIR -- node -e …: prints the kill hint, the signal writes a snapshot there, the exit code is forwarded', async () => {
    const out = path.join(dir, 'signal');
    const script = "process.kill(process.pid, 'SIGUSR2'); setTimeout(() => process.exit(3), 1500);";
    const run = await leakscope(['snapshot', '--out-dir', out, '--', process.execPath, '-e', script]);
    expect(run.status).toBe(3);
    expect(run.stderr).toMatch(/take a snapshot with: {2}kill -USR2 \d+/);
    const files = fs.readdirSync(out).filter((f) => f.endsWith('.heapsnapshot'));
    expect(files).toHaveLength(1);
    expect((await loadSnapshot(path.join(out, files[0]))).nodeCount).toBeGreaterThan(1000);
  });

  it('leakscope snapshot (nothing to do) exits 2 with a hint', async () => {
    const run = await leakscope(['snapshot']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/give --pid PID, or a command after --/);
  });
});
