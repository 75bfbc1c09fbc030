// `leakscope watch` on real processes: a leaking server and its healthy twin under the same load
// (fixtures/programs/watch-*.mjs), the episodes, the headroom refusal with a simulated small
// container, the near-heap-limit snapshot of a program that runs out of memory, and the preload.
// Each test checks that no inspector is left open and no child left running. The tests run side by
// side: most of their time is spent waiting for the programs.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, PROJECT_ROOT, runCliInProcess } from '../helpers/cli.ts';
import { freePort, isAlive, isListening } from '../helpers/processes.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-watch-cli-'));
const started: ChildProcess[] = [];
// The tests run side by side, so nothing is killed before all are done (a failed one leaves its processes).
afterAll(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  // A leakscope killed by a timeout cannot stop the program it started.
  for (const pid of [...processesRunning(LEAKY), ...processesRunning(HEALTHY)]) process.kill(pid, 'SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});
/** The machine may be shared: these tests wait for real programs to grow and to be captured. */
const SLOW = 120_000;

const LEAKY = path.join(PROJECT_ROOT, 'fixtures/programs/watch-leaky-server.mjs');
const HEALTHY = path.join(PROJECT_ROOT, 'fixtures/programs/watch-healthy-server.mjs');
/** ~400 kB of buffers per request, ~200 requests a second: the leak passes 90 MB within seconds. */
const LOAD = { WATCH_FIXTURE_KB: '400' };

interface Run { status: number | null; stdout: string; stderr: string; events: Record<string, any>[] }

function run(command: string, args: string[], env: Record<string, string> = {}, eventsFile?: string): Promise<Run> {
  const childEnv: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...env };
  delete childEnv.FORCE_COLOR;
  const child = spawn(command, args, { cwd: PROJECT_ROOT, env: childEnv });
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve) => child.once('close', (status) => {
    const ndjson = eventsFile === undefined ? stdout : fs.existsSync(eventsFile) ? fs.readFileSync(eventsFile, 'utf8') : '';
    resolve({ status, stdout, stderr, events: ndjson.split('\n').filter(Boolean).map((line) => JSON.parse(line)) });
  }));
}

const watch = (args: string[], env: Record<string, string> = {}) => run(process.execPath, [BIN, 'watch', ...args], env);
const ofKind = (events: Record<string, any>[], kind: string) => events.filter((e) => e.event === kind);

/** Pids of the processes whose command line mentions `text` (to prove none is left running). */
function processesRunning(text: string): number[] {
  return fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text) && isAlive(Number(pid));
    } catch {
      return false;
    }
  }).map(Number);
}

describe.concurrent('leakscope watch', () => {
  it('leakscope watch --rss-above 90MB … -- node watch-leaky-server.mjs: one alarm, a series in one session, a report naming SessionRecord and ->sessions; exit 1', async () => {
    const out = path.join(dir, 'leaky');
    // The server loads until 110 MB, then until leakscope's capture has closed its inspector again.
    const result = await watch(['--rss-above', '90MB', '--every', '0.2', '--count', '2', '--interval', '0.3', '--timeout', '30', '--dir', out, '--', process.execPath, '--expose-gc', LEAKY],
      { ...LOAD, WATCH_FIXTURE_PHASES: 'until:110,inspected' });
    expect(result.status).toBe(1);
    const [start, ...rest] = result.events;
    expect(start).toMatchObject({ event: 'start', triggers: { rssAbove: 90e6, heapAbove: null } });
    const alarms = ofKind(result.events, 'alarm');
    expect(alarms).toHaveLength(1);
    // Memory stayed over the line for the rest of the run: samples over it, and still one alarm.
    const after = ofKind(rest.slice(rest.indexOf(alarms[0])), 'sample');
    expect(after.filter((s) => s.rss > 90e6).length).toBeGreaterThanOrEqual(2);
    expect(alarms[0]).toMatchObject({ episode: 1, triggers: [{ trigger: 'rss-above', threshold: 90e6 }] });
    const [capture] = ofKind(result.events, 'capture');
    expect(capture).toMatchObject({ kind: 'snapshots', error: null, report: { markdown: alarms[0].capture.report.markdown } });
    expect(capture.files.map((f: { file: string }) => path.basename(f.file))).toEqual(['snapshot-1.heapsnapshot', 'snapshot-2.heapsnapshot']);
    expect(capture.report.leakingClasses).toContain('SessionRecord');
    const markdown = fs.readFileSync(capture.report.markdown, 'utf8');
    expect(markdown).toMatch(/one process \(object ids agree\)/);
    expect(markdown).toMatch(/SessionRecord.*->sessions|-&gt;sessions → Array \\\[\d+\\\] → SessionRecord/);
    expect(JSON.parse(fs.readFileSync(capture.report.json, 'utf8')).classes.some((c: { name: string }) => c.name === 'SessionRecord')).toBe(true);
    // Nothing half-written, nothing left behind.
    expect(fs.readdirSync(alarms[0].capture.dir).sort()).toEqual(['report.json', 'report.md', 'snapshot-1.heapsnapshot', 'snapshot-2.heapsnapshot']);
    expect(ofKind(result.events, 'end')).toMatchObject([{ reason: 'exited', exitCode: 0, alarms: 1 }]);
    expect(result.stderr).toMatch(/ALARM pid \d+ episode 1: rss-above [\d.]+ MB > 90\.0 MB/);
    expect(result.stderr).toMatch(/episode 1: captured 2 snapshots .* FAIL .*SessionRecord/);
    expect(isAlive(start.pid)).toBe(false);
  }, SLOW);

  it('leakscope watch --rss-above 90MB -- node watch-healthy-server.mjs (the same load, nothing kept): samples only, exit 0', async () => {
    const out = path.join(dir, 'healthy');
    const result = await watch(['--rss-above', '90MB', '--every', '0.2', '--dir', out, '--', process.execPath, '--expose-gc', HEALTHY],
      { ...LOAD, WATCH_FIXTURE_PHASES: 'load:3' });
    expect(result.status).toBe(0);
    expect(ofKind(result.events, 'sample').length).toBeGreaterThanOrEqual(5);
    expect(ofKind(result.events, 'alarm')).toEqual([]);
    expect(fs.existsSync(out)).toBe(false);
    expect(ofKind(result.events, 'end')).toMatchObject([{ reason: 'exited', alarms: 0 }]);
    expect(isAlive(result.events[0].pid)).toBe(false);
  }, SLOW);

  it('leakscope watch --no-capture --cooldown 0.5 --exec CMD: memory that falls back and rises again is two episodes, two alarms, one re-arm', async () => {
    const execLog = path.join(dir, 'exec.log');
    const result = await watch(['--rss-above', '90MB', '--every', '0.1', '--cooldown', '0.5', '--no-capture', '--exec', `echo "$LEAKSCOPE_EPISODE $LEAKSCOPE_PID" >> ${execLog}`,
      '--', process.execPath, '--expose-gc', LEAKY], { ...LOAD, WATCH_FIXTURE_PHASES: 'until:110,load:0.5,free:1.2,until:110,load:0.5' });
    expect(result.status).toBe(1);
    // (A last sample as the program exits and frees its memory may re-arm once more.)
    expect(result.events.filter((e) => e.event === 'alarm' || e.event === 'rearm').map((e) => `${e.event} ${e.episode}`).slice(0, 3)).toEqual(['alarm 1', 'rearm 1', 'alarm 2']);
    expect(ofKind(result.events, 'alarm')).toHaveLength(2);
    expect(ofKind(result.events, 'alarm')[0].capture).toBeNull();
    const pid = result.events[0].pid;
    expect(fs.readFileSync(execLog, 'utf8')).toBe(`1 ${pid}\n2 ${pid}\n`);
  }, SLOW);

  it('leakscope watch --pid P --heap-above 1 in a container without room (LEAKSCOPE_CGROUP_DIR): a sampling profile instead of snapshots, the reason in the event, the inspector closed', async () => {
    const cgroup = path.join(dir, 'small-container');
    fs.mkdirSync(cgroup);
    // 120 MB limit, 1 MB free: no room for a snapshot of any Node heap.
    fs.writeFileSync(path.join(cgroup, 'memory.max'), '120000000\n');
    fs.writeFileSync(path.join(cgroup, 'memory.current'), '119000000\n');
    const port = await freePort();
    // A small heap limit, so that its few MB are over 1% of it.
    const target = spawn(process.execPath, [`--inspect-port=127.0.0.1:${port}`, '--max-old-space-size=24', '-e', "console.log('ready'); const kept = []; setInterval(() => kept.push(new Array(1000).fill(kept.length)), 5);"], { stdio: ['ignore', 'pipe', 'ignore'] });
    started.push(target);
    await new Promise((resolve) => target.stdout!.once('data', resolve));
    const out = path.join(dir, 'refused');
    const result = await watch(['--pid', String(target.pid), '--heap-above', '1', '--every', '0.2', '--sampling', '0.5', '--duration', '2.5', '--timeout', '30', '--dir', out], { LEAKSCOPE_CGROUP_DIR: cgroup });
    expect(result.status).toBe(1);
    const [sample] = ofKind(result.events, 'sample');
    expect(sample).toMatchObject({ containerUsage: 119e6, containerLimit: 120e6 });
    expect(sample.heapUsed).toBeGreaterThan(0);
    const [capture] = ofKind(result.events, 'capture');
    expect(capture.kind).toBe('sampling-profile');
    expect(capture.reason).toMatch(/^the container has 1\.0 MB free \(limit 120 MB\); a snapshot of a [\d.]+ MB heap needs about [\d.]+ MB; recording a sampling heap profile instead$/);
    expect(capture.report).toBeNull();
    expect(capture.files.map((f: { file: string }) => path.basename(f.file))).toEqual(['allocations.heapprofile']);
    const profile = JSON.parse(fs.readFileSync(capture.files[0].file, 'utf8'));
    expect(profile.head.callFrame.functionName).toBe('(root)');
    expect(ofKind(result.events, 'end')).toMatchObject([{ reason: 'duration' }]);
    expect(isListening(port)).toBe(false);
    expect(target.exitCode).toBeNull(); // still running, as found
  }, SLOW);

  it('leakscope watch --near-heap-limit -- node --max-old-space-size=16 <runs out of memory>: Node\'s snapshot before the crash, checked complete and analysed', async () => {
    const out = path.join(dir, 'oom');
    const program = path.join(dir, 'oom.cjs');
    fs.writeFileSync(program, "class Hoard { constructor(i) { this.items = new Array(256).fill(i); } }\nconst hoards = [];\nsetInterval(() => { for (let i = 0; i < 5000; i++) hoards.push(new Hoard(i)); }, 1);\n");
    const result = await watch(['--near-heap-limit', '--dir', out, '--rss-above', '10GB', '--', process.execPath, '--max-old-space-size=16', program]);
    expect(result.status).toBe(1); // a program that ran out of memory is a finding
    const [end] = ofKind(result.events, 'end');
    expect(end.exitCode ?? end.signal).not.toBe(0);
    const [near] = ofKind(result.events, 'near-heap-limit');
    expect(near.files).toHaveLength(1);
    expect(near.files[0]).toMatchObject({ isComplete: true, problem: null });
    expect(path.basename(near.files[0].file)).toMatch(new RegExp(`^Heap\\.\\d+\\.\\d+\\.${end.pid}\\.0\\.001\\.heapsnapshot$`));
    expect(near.report.verdict).toMatch(/leak suspect.*Array|Hoard/);
    expect(fs.readFileSync(near.report.markdown, 'utf8')).toMatch(/Hoard/);
  }, SLOW);
});

describe.concurrent('node --import leakscope/watch (the preload)', () => {
  it('LEAKSCOPE_WATCH_RSS_ABOVE=90MB node --import leakscope/watch watch-leaky-server.mjs: one alarm, an in-process series, a report from a separate process naming SessionRecord', async () => {
    const out = path.join(dir, 'preload');
    const events = path.join(dir, 'preload.ndjson');
    const result = await run(process.execPath, ['--import', 'leakscope/watch', '--expose-gc', LEAKY], {
      ...LOAD, WATCH_FIXTURE_PHASES: `until:110,reported:${out}`,
      LEAKSCOPE_WATCH_RSS_ABOVE: '90MB', LEAKSCOPE_WATCH_EVERY: '0.2', LEAKSCOPE_WATCH_COUNT: '2', LEAKSCOPE_WATCH_INTERVAL: '1',
      LEAKSCOPE_WATCH_DIR: out, LEAKSCOPE_WATCH_EVENTS: events,
    }, events);
    // The application's own exit status: the watch never changes it, nor keeps it alive.
    expect(result.status).toBe(0);
    expect(ofKind(result.events, 'alarm')).toHaveLength(1);
    const [capture] = ofKind(result.events, 'capture');
    expect(capture).toMatchObject({ kind: 'snapshots', error: null });
    expect(capture.report.leakingClasses).toContain('SessionRecord');
    expect(result.stderr).toMatch(/^leakscope watch: \d\d:\d\d:\d\d ALARM pid \d+ episode 1: rss-above/m);
    // No sample lines in the application's log, only what matters.
    expect(result.stderr).not.toMatch(/leakscope watch: .* rss \d/);
    // The watcher's own objects (its samples, its waits) do not grow between its snapshots.
    expect(capture.report.leakingClasses.filter((name: string) => name === 'Promise' || name.startsWith('{time, rss'))).toEqual([]);
  }, SLOW);

  it('LEAKSCOPE_WATCH_RSS_ABOVE=lots: one line, and the application runs unwatched', async () => {
    const result = await run(process.execPath, ['--import', 'leakscope/watch', '-e', "console.log('app ran')"], { LEAKSCOPE_WATCH_RSS_ABOVE: 'lots' }, path.join(dir, 'no-events.ndjson'));
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('app ran\n');
    expect(result.stderr).toBe('leakscope watch: LEAKSCOPE_WATCH_RSS_ABOVE "lots": expected a size such as 300MB, 512MiB or 1G; not watching\n');
  });

  it('LEAKSCOPE_WATCH_EVENTS in a missing folder, LEAKSCOPE_WATCH_COUNT=1.5: one line each, and the application runs unwatched', async () => {
    for (const [env, line] of [
      [{ LEAKSCOPE_WATCH_EVENTS: '/nonexistent-folder/x.ndjson' }, 'leakscope watch: cannot write the events to /nonexistent-folder/x.ndjson: ENOENT; not watching\n'],
      [{ LEAKSCOPE_WATCH_COUNT: '1.5' }, 'leakscope watch: LEAKSCOPE_WATCH_COUNT "1.5": expected a whole number ≥ 1; not watching\n'],
    ] as const) {
      const result = await run(process.execPath, ['--import', 'leakscope/watch', '-e', "console.log('app ran')"], { LEAKSCOPE_WATCH_RSS_ABOVE: '1GB', ...env }, path.join(dir, 'no-events.ndjson'));
      expect(result.status).toBe(0);
      expect(result.stdout).toBe('app ran\n');
      expect(result.stderr).toBe(line);
    }
  });
});

describe.concurrent('leakscope watch: programs that end', () => {
  it('--events -: the program\'s own stdout goes to stderr, the NDJSON stream stays clean', async () => {
    const result = await watch(['--rss-above', '1GB', '--events', '-', '--', process.execPath, '-e', "console.log('PROGRAM OUT')"]);
    expect(result.status).toBe(0);
    // Every stdout line is an event (run() parses each as JSON); the program's line is on stderr.
    expect(result.events.at(-1)!.event).toBe('end');
    expect(result.stderr).toMatch(/^PROGRAM OUT$/m);
  });

  it('a program that finishes before the capture: "exited (exit code 0)", not "not Node.js"', async () => {
    const result = await watch(['--rss-above', '1MB', '--dir', path.join(dir, 'finished'), '--', process.execPath, '-e', 'setTimeout(() => {}, 50)']);
    const [capture] = ofKind(result.events, 'capture');
    expect(capture.error).toMatch(/^process \d+ exited \(exit code 0\) before the capture could be taken$/);
  });

  it('Ctrl-C during a capture: the program gets it, the inspector is closed, the end event written, exit 130', async () => {
    const marker = `leakscope-interrupt-marker-${process.pid}`;
    const child = spawn(process.execPath, [BIN, 'watch', '--rss-above', '1MB', '--count', '3', '--interval', '3', '--timeout', '30', '--dir', path.join(dir, 'interrupted'),
      '--', process.execPath, '-e', 'setInterval(() => {}, 1000)', marker], { cwd: PROJECT_ROOT, env: { ...process.env, NO_COLOR: '1' } });
    started.push(child);
    let stdout = '';
    let stderr = '';
    let isInterrupted = false;
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => {
      stderr += d;
      // At snapshot 2 of 3: the inspector is open, the capture in flight.
      if (!isInterrupted && /taking heap snapshot 2\/3/.test(stderr)) {
        isInterrupted = true;
        child.kill('SIGINT');
      }
    });
    const status = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(status).toBe(130);
    const events = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
    expect(ofKind(events, 'capture')[0].error).not.toBeNull();
    expect(events.at(-1)).toMatchObject({ event: 'end', reason: 'exited', signal: 'SIGINT', alarms: 1 });
    expect(processesRunning(marker)).toEqual([]);
  }, 60_000);

  it('--exec sleep 30: the end waits 5 s, then stops it (its whole tree) and says so', async () => {
    const marker = `leakscope-exec-marker-${process.pid}`;
    const started = Date.now();
    const result = await watch(['--rss-above', '1MB', '--no-capture', '--exec', `sleep 30; echo ${marker}`, '--', process.execPath, '-e', '0']);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.stderr).toMatch(/^leakscope: 1 --exec command still running 5 s after the watch ended: stopped \(SIGTERM\)$/m);
    expect(ofKind(result.events, 'end')).toHaveLength(1);
    expect(processesRunning(marker)).toEqual([]);
  }, 30_000);
});

describe('leakscope watch: usage', () => {
  it('leakscope watch (nothing to watch), leakscope watch --rss-above lots: exit 2 with one line', async () => {
    for (const [args, message] of [
      [[], /^leakscope: nothing to watch: give --pid PID, or a command after --/],
      [['--rss-above', 'lots', '--', 'node', 'x.js'], /^leakscope: --rss-above "lots": expected a size such as 300MB/],
    ] as const) {
      const result = await watch([...args]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('bad --events, --dir, --near-heap-limit, --duration: exit 2 with one line, before the program starts; the program\'s own file untouched', async () => {
    const marker = `leakscope-usage-marker-${process.pid}`;
    const victim = path.join(dir, 'victim.js');
    fs.writeFileSync(victim, 'setInterval(() => {}, 1000);\n');
    const fifo = path.join(dir, 'events.fifo');
    execFileSync('mkfifo', [fifo]);
    const program = ['--', process.execPath, '-e', 'setInterval(() => {}, 1000)', marker];
    for (const [args, message] of [
      [['--rss-above', '1MB', '--events', dir, ...program], /^leakscope: cannot write .*: it is a directory$/],
      [['--rss-above', '1MB', '--events', fifo, ...program], /^leakscope: .*events\.fifo.*FIFO/],
      [['--rss-above', '1MB', '--no-capture', '--events', victim, '--', process.execPath, victim, marker], /^leakscope: --events .*victim\.js: that is the input/],
      [['--rss-above', '1MB', '--dir', victim, ...program], /^leakscope: --dir .*victim\.js: not a folder$/],
      [['--near-heap-limit', '--dir', victim, ...program], /^leakscope: --dir .*victim\.js: not a folder$/],
      [['--near-heap-limit', 'abc', ...program], /^leakscope: --near-heap-limit "abc": expected a whole number ≥ 1$/],
      [['--near-heap-limit', '0', ...program], /^leakscope: --near-heap-limit "0": expected a whole number ≥ 1$/],
      [['--rss-above', '1MB', '--duration', '3000000', ...program], /^leakscope: --duration "3000000": at most 2147483 seconds/],
    ] as const) {
      // Refused before anything starts, so in process (the test above spawns the binary).
      const result = await runCliInProcess(['watch', ...args]);
      expect(result.status).toBe(2);
      expect(result.stderr.trim()).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(processesRunning(marker)).toEqual([]);
    }
    expect(fs.readFileSync(victim, 'utf8')).toBe('setInterval(() => {}, 1000);\n');
  });
});
