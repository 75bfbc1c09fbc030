// growth's CI outputs (--format markdown, github, junit) on snapshots with allocation stacks: the new
// objects' allocation sites appear in each, escaped by each format's rules; without stacks nothing
// changes. Snapshots of real programs under `node --track-heap-objects`: the bundled
// alloc-sessions.mjs, and a program whose file name is hostile (it becomes the frames' script name).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCli, runCliInProcess } from '../helpers/cli.ts';
import { fixtureGzPath } from '../helpers/fixtures.ts';

const PROGRAM = path.join(PROJECT_ROOT, 'fixtures/programs/alloc-sessions.mjs');
const OPEN_SESSIONS_LINE = fs.readFileSync(PROGRAM, 'utf8').split('\n').findIndex((line) => line.startsWith('function openSessions(')) + 1;
const SITE = `openSessions  fixtures/programs/alloc-sessions.mjs:${OPEN_SESSIONS_LINE}:`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ls-alloc-'));
const series = [path.join(tmp, 'sessions-1.heapsnapshot'), path.join(tmp, 'sessions-2.heapsnapshot')];
// The gate fails on Session alone: the reports' failing class is the one the program allocates.
const GATE = ['--fail-on-growth', '--threshold', 'Session=0', '--ignore', 'Array'];

// A script name with Markdown, HTML, a line break and a workflow command in it.
// Long enough that the location is cut (at 100 characters): its end, the name and line, stays.
const HOSTILE_NAME = 'evil|<img src=x onerror=alert(1)>\n::warning file=x::pwned,a:b.cjs';
const hostileDir = path.join(tmp, 'a-folder-whose-name-makes-the-location-longer-than-a-frame-shows');
const hostileSeries = [path.join(hostileDir, 'w-1.heapsnapshot'), path.join(hostileDir, 'w-2.heapsnapshot')];
const HOSTILE_PROGRAM = `const v8 = require('node:v8');
const path = require('node:path');
class Widget { constructor(i) { this.i = i; } }
const widgets = [];
function makeWidgets(n) { for (let i = 0; i < n; i++) widgets.push(new Widget(i)); }
makeWidgets(100);
v8.writeHeapSnapshot(path.join(process.argv[2], 'w-1.heapsnapshot'));
makeWidgets(500);
v8.writeHeapSnapshot(path.join(process.argv[2], 'w-2.heapsnapshot'));
`;

beforeAll(() => {
  const sessions = spawnSync(process.execPath, ['--track-heap-objects', PROGRAM, 'series', tmp], { encoding: 'utf8' });
  expect(sessions.status, sessions.stderr).toBe(0);
  fs.mkdirSync(hostileDir);
  const hostile = path.join(hostileDir, HOSTILE_NAME);
  fs.writeFileSync(hostile, HOSTILE_PROGRAM);
  const widgets = spawnSync(process.execPath, ['--track-heap-objects', hostile, hostileDir], { encoding: 'utf8' });
  expect(widgets.status, widgets.stderr).toBe(0);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A Markdown table row's cells (split on the pipes the table itself writes, not escaped ones). */
const cellsOf = (row: string) => row.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim());

describe('growth --format markdown|github|junit with allocation stacks', () => {
  it('growth sessions-1 sessions-2 --format markdown: a "New objects by allocation site" table naming openSessions at its line', () => {
    const { status, stdout } = runCli(['growth', ...series, ...GATE, '--format', 'markdown']);
    expect(status).toBe(1);
    const section = stdout.slice(stdout.indexOf('#### New objects by allocation site'));
    expect(stdout).toContain('#### New objects by allocation site');
    const lines = section.split('\n');
    expect(lines[2]).toBe('| Class | New alive | Self size | Allocated in |');
    const session = lines.find((line) => line.startsWith('| Session |'))!;
    // V8's tracker may leave one object in thousands without a stack: nearly all, not all.
    expect(cellsOf(session)[1]).toMatch(/^(2,000|1,99\d)$/);
    expect(cellsOf(session)[3].startsWith(SITE)).toBe(true);
    // Before the snapshots' table, after what holds the objects.
    expect(stdout.indexOf('#### What holds the new objects')).toBeLessThan(stdout.indexOf('#### New objects by allocation site'));
    expect(stdout.indexOf('#### New objects by allocation site')).toBeLessThan(stdout.indexOf('<details><summary>Snapshots'));
  });

  it('growth sessions-1 sessions-2 --format github: the annotation says where Session was allocated and points at that line; the step summary has the table', async () => {
    const summary = path.join(tmp, 'summary.md');
    const { status, stdout } = await runCliInProcess(['growth', ...series, ...GATE, '--format', 'github'], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(status).toBe(1);
    const errors = stdout.split('\n').filter((line) => line.startsWith('::error '));
    expect(errors).toHaveLength(1);
    // Held by a module variable (no closure to point at): the annotation goes to the allocating
    // function, by its path relative to the working directory (the checkout, for GitHub).
    expect(errors[0]).toContain(`::error file=${path.relative(PROJECT_ROOT, PROGRAM)},line=${OPEN_SESSIONS_LINE},col=`);
    expect(errors[0]).toMatch(new RegExp(`Allocated in: ${SITE}\\d+ ← .* \\((2,000|1,99\\d) of 2,000 new\\)\\.$`));
    expect(fs.readFileSync(summary, 'utf8')).toMatch(/^#### New objects by allocation site$/m);
  });

  it('growth sessions-1 sessions-2 --format junit: the Session failure lists its allocation sites', async () => {
    const out = path.join(tmp, 'leaks.xml');
    const { status } = await runCliInProcess(['growth', ...series, ...GATE, '--format', 'junit', '--output', out]);
    expect(status).toBe(1);
    const xml = fs.readFileSync(out, 'utf8');
    const failure = /<testcase classname="leakscope.growth" name="Session">\s*<failure [^>]*><!\[CDATA\[([\s\S]*?)\]\]>/.exec(xml)?.[1];
    expect(failure).toMatch(new RegExp(`^allocated (2,000|1,99\\d)× in ${SITE}\\d+ ← `, 'm'));
  });

  it('untracked snapshots: no allocation section, sentence or line in markdown, github or junit', async () => {
    const leaky = [1, 3].map((k) => fixtureGzPath(`leaky-server-${k}`));
    const markdown = (await runCliInProcess(['growth', ...leaky, '--format', 'markdown'])).stdout;
    const github = (await runCliInProcess(['growth', ...leaky, '--format', 'github'], { env: { GITHUB_STEP_SUMMARY: '' } })).stdout;
    const junit = (await runCliInProcess(['growth', ...leaky, '--format', 'junit', '--fail-on-growth'])).stdout;
    expect(markdown).toMatch(/#### What holds the new objects/);
    expect(markdown).not.toMatch(/allocation site/);
    expect(github).toMatch(/^::warning /m);
    expect(github).not.toMatch(/Allocated in/);
    expect(junit).toMatch(/<failure /);
    expect(junit).not.toMatch(/allocated /);
  });
});

describe('a hostile script name in the allocation stacks', () => {
  const growth = (format: string, env: Record<string, string> = {}) => runCliInProcess(['growth', ...hostileSeries, '--fail-on-growth', '--threshold', 'Widget=0', '--ignore', 'Array', '--format', format], { env });

  it('--format markdown: the name is text in one cell, no HTML, no broken table', async () => {
    const { status, stdout } = await growth('markdown');
    expect(status).toBe(1);
    const row = stdout.split('\n').find((line) => line.startsWith('| Widget |') && line.includes('makeWidgets'))!;
    expect(cellsOf(row)).toHaveLength(4);
    expect(cellsOf(row)[3]).toContain('evil\\|&lt;img src=x onerror=alert(1)&gt;\\\\n::warning file=x::pwned,a:b.cjs:5:');
    expect(stdout).not.toContain('<img');
  });

  it('--format github: one annotation, no second command, the path escaped as a property and a message', async () => {
    const { status, stdout } = await growth('github', { GITHUB_STEP_SUMMARY: '' });
    expect(status).toBe(1);
    const commands = stdout.split('\n').filter((line) => line.startsWith('::'));
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatch(/^::error file=[^:,]*\/evil\|<img src=x onerror=alert\(1\)>\\n%3A%3Awarning file=x%3A%3Apwned%2Ca%3Ab\.cjs,line=5,/);
    expect(commands[0]).toContain('Allocated in: makeWidgets  ');
  });

  it('--format junit: the path is text in the failure, with no character XML cannot carry', async () => {
    const { status, stdout } = await growth('junit');
    expect(status).toBe(1);
    expect(stdout).toMatch(/^allocated (500|49\d)× in makeWidgets {2}….*evil\|<img src=x onerror=alert\(1\)>\\n::warning file=x::pwned,a:b\.cjs:5:/m);
    expect(stdout).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  });
});
