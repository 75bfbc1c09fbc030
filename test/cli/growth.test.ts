// `leakscope growth` as a user runs it: the real binary, NO_COLOR, exit codes, stdout and stderr.
// Expected numbers come from how the fixtures were made (fixtures/programs/*.mjs), not from our output:
// leaky-server keeps every RequestContext (200 per batch, 3 batches), clean-server keeps none.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveGrowthSettings } from '../../src/cli/commands/growth.ts';
import { runCli, runCliInProcess } from '../helpers/cli.ts';
import { fixtureGzPath } from '../helpers/fixtures.ts';

const leaky = [1, 2, 3].map((k) => fixtureGzPath(`leaky-server-${k}`));
const clean = [1, 2, 3].map((k) => fixtureGzPath(`clean-server-${k}`));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-growth-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('leakscope growth', () => {
  it('growth leaky-server-1 leaky-server-3 --fail-on-growth → exit 1 naming RequestContext +400', () => {
    const r = runCli(['growth', leaky[0], leaky[2], '--fail-on-growth']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL .*RequestContext/m);
    expect(r.stdout).toMatch(/^\s*RequestContext\s+\+400 objects/m);
    expect(r.stdout).toMatch(/RequestContext\s+200 → 600\s+\+400/);
    // What holds them: leaky-server.mjs pushes each one into the module-level array `requestLog`.
    expect(r.stdout).toMatch(/What holds the 400 new RequestContext objects:\n\s+400×.*->requestLog → Array \[\d+\] → RequestContext$/m);
    expect(r.stderr).toBe('');
  });

  it('growth clean-server-1 clean-server-3 --fail-on-growth → exit 0', async () => {
    const r = await runCliInProcess(['growth', clean[0], clean[2], '--fail-on-growth']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^PASS /m);
    expect(r.stdout).not.toMatch(/RequestContext/);
  });

  it('growth leaky-server-1 2 3 --json: the series, monotonic, new-and-alive, violations', async () => {
    const r = await runCliInProcess(['growth', ...leaky, '--json', '--limit', '0']);
    expect(r.status).toBe(0); // no --fail-on-growth: report only
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['snapshots', 'classes', 'failed', 'violations']));
    expect(json.snapshots).toHaveLength(3);
    expect(Object.keys(json.snapshots[0])).toEqual(expect.arrayContaining(['file', 'nodeCount', 'totalSize']));
    const ctx = json.classes.find((c: { name: string }) => c.name === 'RequestContext');
    expect(ctx).toMatchObject({ counts: [200, 400, 600], delta: 400, newAlive: 400, monotonic: true });
    expect(typeof ctx.sizeDelta).toBe('number');
    expect(json.failed).toBe(false);
    expect(json.violations).toContainEqual(expect.objectContaining({ name: 'RequestContext', delta: 400, limit: 9 }));
  });

  it("growth leaky --fail-on-growth --threshold '*=1000' → exit 0; plus --threshold RequestContext=399 → exit 1", async () => {
    expect((await runCliInProcess(['growth', leaky[0], leaky[2], '--fail-on-growth', '--threshold', '*=1000'])).status).toBe(0);
    const r = await runCliInProcess(['growth', leaky[0], leaky[2], '--fail-on-growth', '--threshold', '*=1000', '--threshold', 'RequestContext=399', '--json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).violations).toEqual([{ name: 'RequestContext', key: expect.any(String), delta: 400, heldByProgram: 400, limit: 399, rule: 'threshold', explainedBy: null,
      accumulation: { id: expect.any(Number), name: 'Array', heldAs: '->requestLog' } }]);
  });

  it('growth leaky --fail-on-growth --ignore … for every growing class → exit 0', async () => {
    const r = await runCliInProcess(['growth', leaky[0], leaky[2], '--fail-on-growth', '--ignore', '/^(Function|RequestContext|system \\/ Context|\\(string\\)|\\(number\\))$/', '--ignore', '{verbose}']);
    expect(r.stdout).toMatch(/ignored: /);
    expect(r.status).toBe(0);
  });

  it('growth leaky --fail-on-growth --min-delta 401 → exit 0 (every class grew by ≤ 400)', async () => {
    expect((await runCliInProcess(['growth', leaky[0], leaky[2], '--fail-on-growth', '--min-delta', '401'])).status).toBe(0);
  });

  it('growth clean --fail-on-growth --include-internals → exit 1 on (compiled code)', async () => {
    const r = await runCliInProcess(['growth', clean[0], clean[2], '--fail-on-growth', '--include-internals']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/\(compiled code\)\s+\+\d+ objects/);
  });

  it('config file: leakscope.config.json in the working directory sets the gate; flags override it', async () => {
    const project = path.join(tmp, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'leakscope.config.json'), JSON.stringify({ failOnGrowth: true, thresholds: { '*': 1000 } }));
    // One real run: the file's failOnGrowth with the flag's threshold fails the gate (neither alone would).
    expect((await runCliInProcess(['growth', leaky[0], leaky[2], '--threshold', 'RequestContext=0'], { cwd: project })).status).toBe(1);
    // The precedence itself, without reading snapshots.
    const fromFile = resolveGrowthSettings({}, project);
    expect(fromFile).toMatchObject({ failOnGrowth: true, configFile: path.join(project, 'leakscope.config.json') });
    expect([...fromFile.gate.thresholds]).toEqual([['*', 1000]]);
    const flagged = resolveGrowthSettings({ threshold: ['RequestContext=0'], failOnGrowth: false }, project);
    expect(flagged.failOnGrowth).toBe(false);
    expect([...flagged.gate.thresholds]).toEqual([['*', 1000], ['RequestContext', 0]]);
    const other = path.join(tmp, 'other.json');
    fs.writeFileSync(other, JSON.stringify({ failOnGrowth: true, minDelta: 1 }));
    const named = resolveGrowthSettings({ config: other }, project);
    expect(named).toMatchObject({ failOnGrowth: true, configFile: other, gate: { minDelta: 1 } });
    expect(named.gate.thresholds.size).toBe(0);
  });

  it('growth leaky-server-1 clean-server-3 → exit 2: different processes', async () => {
    const r = await runCliInProcess(['growth', leaky[0], clean[2], '--fail-on-growth']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^leakscope: .* do not come from the same process: only \d+\.\d% .*--counts-only/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('growth leaky-server-1 clean-server-3 --counts-only → compares class counts (RequestContext −200)', async () => {
    const r = await runCliInProcess(['growth', leaky[0], clean[2], '--counts-only', '--json', '--limit', '0']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).classes.find((c: { name: string }) => c.name === 'RequestContext')).toMatchObject({ counts: [200, 0], delta: -200 });
  });

  it('growth leaky-server-3 leaky-server-1 → exit 2: wrong order', async () => {
    const r = await runCliInProcess(['growth', leaky[2], leaky[0]]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/was taken before .* in the order they were taken/);
  });

  it('growth --format markdown --output FILE writes the report, stdout gets the verdict', async () => {
    const out = path.join(tmp, 'summary.md');
    const r = await runCliInProcess(['growth', leaky[0], leaky[2], '--fail-on-growth', '--format', 'markdown', '--output', out]);
    expect(r.status).toBe(1);
    expect(r.stdout.trim()).toMatch(/^FAIL .*RequestContext \+400/);
    const md = fs.readFileSync(out, 'utf8');
    expect(md).toMatch(/^### ❌ leakscope growth/);
    expect(md).toMatch(/^\| RequestContext \| 200 → 600 \| \+400 \|/m);
  });

  it('usage errors exit 2: one snapshot, a bad --threshold, a missing file, --json with --format text', async () => {
    expect((await runCliInProcess(['growth', leaky[0]])).status).toBe(2);
    const bad = await runCliInProcess(['growth', leaky[0], leaky[2], '--threshold', 'RequestContext']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^leakscope: --threshold: expected NAME=N/);
    expect((await runCliInProcess(['growth', leaky[0], path.join(tmp, 'nope.heapsnapshot')])).status).toBe(2);
    expect((await runCliInProcess(['growth', leaky[0], leaky[2], '--json', '--format', 'text'])).status).toBe(2);
  });

  it('growth --help shows examples', async () => {
    const r = await runCliInProcess(['growth', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--fail-on-growth/);
    expect(r.stdout).toMatch(/Examples:/);
  });
});
