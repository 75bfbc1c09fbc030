// Allocation stacks in `list`, `chain`, `growth` and `run`, as a user runs them: snapshots of a real
// program under `node --track-heap-objects` (fixtures/programs/alloc-sessions.mjs), and a run of the
// bundled leaky scenario with --track-allocations and --sampling. Without traces, outputs are unchanged.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCli, runCliInProcess } from '../helpers/cli.ts';
import { fixtureGzPath } from '../helpers/fixtures.ts';

const PROGRAM = path.join(PROJECT_ROOT, 'fixtures/programs/alloc-sessions.mjs');
const lineOf = (file: string, start: string) => {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const line = lines.findIndex((text) => text.startsWith(start)) + 1;
  return { line, column: lines[line - 1].indexOf('(') + 1 };
};
const OPEN_SESSIONS = lineOf(PROGRAM, 'function openSessions(');
const SITE = `openSessions  fixtures/programs/alloc-sessions.mjs:${OPEN_SESSIONS.line}:${OPEN_SESSIONS.column}`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-allocation-cli-'));
const first = path.join(tmp, 'sessions-1.heapsnapshot');
const second = path.join(tmp, 'sessions-2.heapsnapshot');
beforeAll(() => {
  const child = spawnSync(process.execPath, ['--track-heap-objects', PROGRAM, 'series', tmp], { encoding: 'utf8' });
  expect(child.status, child.stderr).toBe(0);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('allocation stacks of a snapshot taken with --track-heap-objects', () => {
  it('leakscope list sessions-2 --class Session: an "Allocated in" column naming openSessions at its file:line:col', async () => {
    const { status, stdout, stderr } = await runCliInProcess(['list', second, '--class', 'Session', '--limit', '2']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/ Preview +Allocated in$/);
    expect(stdout.split('\n')[2]).toContain(SITE);
    const json = JSON.parse((await runCliInProcess(['list', second, '--class', 'Session', '--limit', '2', '--json'])).stdout);
    expect(json.objects[0].allocatedIn[0]).toEqual({ functionName: 'openSessions', url: `file://${PROGRAM}`, ...OPEN_SESSIONS });
  });

  it('leakscope chain sessions-2 --class Session: where the object was allocated, after the chain', async () => {
    const { status, stdout } = await runCliInProcess(['chain', second, '--class', 'Session']);
    expect(status).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Allocated in: ${SITE.replace(/[.]/g, '\\.')} ← \\(anonymous\\)  fixtures/programs/alloc-sessions\\.mjs:1:1`, 'm'));
    const json = JSON.parse((await runCliInProcess(['chain', second, '--class', 'Session', '--json'])).stdout);
    expect(json.allocatedIn[0]).toMatchObject({ functionName: 'openSessions', line: OPEN_SESSIONS.line });
  });

  it('leakscope growth sessions-1 sessions-2: new objects grouped by allocation site, in text and JSON', async () => {
    const { status, stdout } = await runCliInProcess(['growth', first, second]);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^New objects by allocation site/m);
    // V8's tracker may leave one object in thousands without a stack: nearly all, not all.
    expect(stdout).toMatch(new RegExp(`^Session +(2,000|1,99\\d) +[\\d.]+ kB +${SITE.replace(/[.]/g, '\\.')} ← `, 'm'));
    const json = JSON.parse((await runCliInProcess(['growth', first, second, '--json'])).stdout);
    const session = json.allocationSites.find((c: { class: string }) => c.class === 'Session');
    expect(session.sites[0]).toMatchObject({ frames: [{ functionName: 'openSessions', line: OPEN_SESSIONS.line }, {}, {}] });
    expect(session.sites[0].count).toBeGreaterThanOrEqual(1990);
  });
});

describe('snapshots without allocation tracking: outputs unchanged', () => {
  it('leakscope list / chain / growth on untracked fixtures: no allocation column, line, section or key', async () => {
    const basic = fixtureGzPath('basic');
    expect((await runCliInProcess(['list', basic, '--class', 'Connection', '--limit', '1'])).stdout).not.toMatch(/Allocated in/);
    expect(JSON.parse((await runCliInProcess(['list', basic, '--class', 'Connection', '--limit', '1', '--json'])).stdout).objects[0]).not.toHaveProperty('allocatedIn');
    expect((await runCliInProcess(['chain', basic, '--class', 'Connection'])).stdout).not.toMatch(/Allocated in/);
    const growth = await runCliInProcess(['growth', fixtureGzPath('leaky-server-1'), fixtureGzPath('leaky-server-2'), '--json']);
    expect(JSON.parse(growth.stdout)).not.toHaveProperty('allocationSites');
  });
});

describe('leakscope run --track-allocations --sampling', () => {
  it('leakscope run examples/leaky-scenario.mjs --track-allocations --sampling: RequestLog allocated in handle, and a sampling profile of the scenario', async () => {
    const scenario = path.join(PROJECT_ROOT, 'examples/leaky-scenario.mjs');
    const handle = lineOf(scenario, 'function handle(');
    const out = path.join(tmp, 'run');
    const { status, stdout, stderr } = runCli(['run', scenario, '--track-allocations', '--sampling', '--warmup', '10', '--iterations', '40', '--batches', '2', '--out', out]);
    expect(status, stderr).toBe(1);
    // All 40 new RequestLogs: with --no-compact no stack is lost between the snapshots (7 runs in 12 kept only 20 without).
    expect(stdout).toMatch(new RegExp(`^RequestLog +40 +[\\d.]+ kB +handle  examples/leaky-scenario\\.mjs:${handle.line}:${handle.column} ← `, 'm'));
    const profile = fs.readdirSync(out).find((name) => name.endsWith('.heapprofile'));
    expect(profile).toBeDefined();
    expect(stderr).toContain(`leakscope profile ${path.join(out, profile!)}`);
    // 40 small requests are a few samples at most: that the profile reads and holds the run's memory is
    // what is certain here (profile.test.ts checks that a profile names the allocating function).
    const json = JSON.parse((await runCliInProcess(['profile', path.join(out, profile!), '--json'])).stdout);
    expect(json.profiles[0].totalSize).toBeGreaterThan(0);
  });
});
