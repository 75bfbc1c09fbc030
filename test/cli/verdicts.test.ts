// Verdicts on fresh runs (issue: "verdicts you can trust"). Real programs, regenerated every run:
// the noise-suite Express server and its leaky twin (fixtures/programs/noise-server.mjs), a scenario
// that does nothing, a process whose ids V8 renumbered. npm test makes one fresh run of each server
// twin; `npm run bench:noise` makes 20 of each, and 20 runs of each bundled scenario with the defaults.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, runCliInProcess } from '../helpers/cli.ts';
import { fixtureGzPath } from '../helpers/fixtures.ts';
import { runNoiseServer } from '../../fixtures/programs/lib/noise-suite.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-verdicts-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const FRESH_RUNS = 1;

describe('the default gate on fresh runs of a realistic server', () => {
  for (let run = 1; run <= FRESH_RUNS; run++) {
    it(`healthy run ${run}: growth A B C --fail-on-growth → exit 0`, async () => {
      const dir = fs.mkdtempSync(path.join(tmp, 'healthy-'));
      const { files } = await runNoiseServer({ leaky: false, dir });
      const r = await runCliInProcess(['growth', ...files, '--fail-on-growth', '--json', '--limit', '0']);
      const json = JSON.parse(r.stdout);
      expect(json.violations).toEqual([]);
      // No collection of the healthy twin grew at every step (issue 16: healthy twins report nothing).
      expect(json.accumulation).toEqual([]);
      expect(r.status).toBe(0);
    });

    it(`leaky run ${run}: growth A B C --fail-on-growth → exit 1, AuditEntry first with its exact delta, strings and numbers listed with it`, async () => {
      const dir = fs.mkdtempSync(path.join(tmp, 'leaky-'));
      const { files, leakedPerStep } = await runNoiseServer({ leaky: true, dir });
      const expected = leakedPerStep.reduce((a, b) => a + b, 0);
      // One run: the report goes to a file, the verdict line to stdout.
      const report = path.join(dir, 'growth.json');
      const r = await runCliInProcess(['growth', ...files, '--fail-on-growth', '--json', '--output', report]);
      expect(r.status).toBe(1);
      const verdict = r.stdout.split('\n').find((line) => line.startsWith('FAIL'));
      expect(verdict).toMatch(new RegExp(`^FAIL  1 class grew beyond the allowance: AuditEntry \\+${expected.toLocaleString('en-US')} \\(holding .*\\(string\\)`));
      const json = JSON.parse(fs.readFileSync(report, 'utf8'));
      expect(json.violations[0]).toMatchObject({ name: 'AuditEntry', delta: expected, heldByProgram: expected, explainedBy: null });
      expect(json.classes[0]).toMatchObject({ name: 'AuditEntry', heldBy: { program: expected, transient: 0, v8: 0, weak: 0 } });
      for (const v of json.violations.slice(1)) expect(v.explainedBy).toMatchObject({ name: 'AuditEntry' });
      // The collection to fix leads: the module-level Map `audit`, one entry per leaked AuditEntry.
      expect(json.accumulation[0]).toMatchObject({ name: 'Map', heldAs: '->audit', unit: 'entries', mainClass: { name: 'AuditEntry', count: expected } });
      expect(json.accumulation[0].counts[2] - json.accumulation[0].counts[0]).toBe(expected);
      expect(json.violations[0].accumulation).toMatchObject({ heldAs: '->audit' });
    });
  }
});

describe('harness and settings', () => {
  it('run noop.mjs --warmup 0 --iterations 9 --batches 1 → exit 0: leakscope\'s own objects are not measured', () => {
    const scenario = path.join(tmp, 'noop.mjs');
    fs.writeFileSync(scenario, 'export function action() {}\n');
    const r = runCli(['run', scenario, '--warmup', '0', '--iterations', '9', '--batches', '1']);
    expect(r.stdout).toMatch(/^PASS /m);
    expect(r.status).toBe(0);
  });

  it("growth leaky-server-1 3 --fail-on-growth --threshold RequestContxt=0 → a warning with the closest name", async () => {
    const leaky = [1, 3].map((k) => fixtureGzPath(`leaky-server-${k}`));
    const text = await runCliInProcess(['growth', ...leaky, '--fail-on-growth', '--threshold', 'RequestContxt=0', '--no-retainers']);
    expect(text.stdout).toMatch(/warning: threshold "RequestContxt" matches no class in any snapshot \(did you mean "RequestContext"\?\)/);
    const json = await runCliInProcess(['growth', ...leaky, '--threshold', 'RequestContex=0', '--ignore', '/^Nothing$/', '--json', '--no-retainers']);
    expect(json.stderr).toMatch(/leakscope: warning: threshold "RequestContex" matches no class in any snapshot \(did you mean "RequestContext"\?\)/);
    expect(json.stderr).toMatch(/leakscope: warning: ignore \/\^Nothing\$\/ matches no class in any snapshot/);
    expect(JSON.parse(json.stdout).warnings).toHaveLength(2);
  });

  it('growth leaky-server-1 3 --fail-on-growth --threshold requestcontext=1000 → resolved ignoring case; what RequestContext holds is allowed with it', async () => {
    const leaky = [1, 3].map((k) => fixtureGzPath(`leaky-server-${k}`));
    const r = await runCliInProcess(['growth', ...leaky, '--fail-on-growth', '--threshold', 'requestcontext=1000', '--json', '--no-retainers']);
    const json = JSON.parse(r.stdout);
    expect(json.warnings).toEqual([]);
    // RequestContext is allowed, and so are the strings, numbers and {verbose} objects it holds;
    // the listener closures and their contexts (held by the EventEmitter) still fail.
    expect(json.violations.map((v: { name: string }) => v.name)).toEqual(['Function', 'system / Context']);
    expect(r.status).toBe(1);
  });

  it('growth over a renumbering (an inspector session closed between snapshots) → exit 2 naming the cause and --counts-only', async () => {
    const program = `
      const v8 = require('node:v8');
      const { Session } = require('node:inspector');
      const kept = [];
      for (let i = 0; i < 1000; i++) kept.push({ i });
      v8.writeHeapSnapshot(process.argv[1] + '/a.heapsnapshot');
      const session = new Session();
      session.connect();
      session.post('HeapProfiler.enable', () => {
        session.post('HeapProfiler.takeHeapSnapshot', () => {
          session.disconnect();
          v8.writeHeapSnapshot(process.argv[1] + '/b.heapsnapshot');
        });
      });`;
    const dir = fs.mkdtempSync(path.join(tmp, 'renumber-'));
    const made = spawnSync(process.execPath, ['-e', program, dir], { encoding: 'utf8' });
    expect(made.status).toBe(0);
    const [a, b] = ['a', 'b'].map((n) => path.join(dir, `${n}.heapsnapshot`));
    const r = await runCliInProcess(['growth', a, b]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^leakscope: .* have the same scripts and classes .* Most likely V8 renumbered its object ids/);
    expect(r.stderr).toMatch(/--counts-only/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect((await runCliInProcess(['growth', a, b, '--counts-only'])).status).toBe(0);
    // Two different programs still get the plain message.
    const other = await runCliInProcess(['growth', fixtureGzPath('basic'), b]);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/do not come from the same process/);
  });
});
