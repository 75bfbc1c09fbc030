// CI reporters: GitHub Actions annotations + step summary, JUnit XML. Real binary, real fixtures;
// expectations from how leaky-server.mjs was written (RequestContext kept in `requestLog` by the
// request handler at line 32).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, runCliInProcess } from '../helpers/cli.ts';
import { fixtureGzPath } from '../helpers/fixtures.ts';
import { renderGithubAnnotations } from '../../src/report/github.ts';
import type { GrowthReport } from '../../src/report/growth-report.ts';

const leaky = [1, 3].map((k) => fixtureGzPath(`leaky-server-${k}`));
const clean = [1, 3].map((k) => fixtureGzPath(`clean-server-${k}`));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-ci-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('growth --format github', () => {
  it('growth leaky-server-1 3 --fail-on-growth --format github → one ::error per leading class with file and line; the summary is appended', async () => {
    const summary = path.join(tmp, 'summary.md');
    fs.writeFileSync(summary, '# an earlier step\n');
    const r = await runCliInProcess(['growth', ...leaky, '--fail-on-growth', '--format', 'github'], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(r.status).toBe(1);
    const errors = r.stdout.split('\n').filter((line) => line.startsWith('::error '));
    expect(errors[0]).toMatch(/^::error file=[^,]*fixtures\/programs\/leaky-server\.mjs,line=32,col=\d+,title=leakscope%3A RequestContext grew by 400::RequestContext \+400 \(holding /);
    expect(errors[0]).toMatch(/->requestLog → Array \[200\] → RequestContext\.$/);
    // (string), (number), {verbose} are part of the RequestContext leak, not annotations of their own.
    expect(errors.some((line) => line.includes('title=leakscope%3A (string)'))).toBe(false);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^FAIL  /);
    const written = fs.readFileSync(summary, 'utf8');
    expect(written.startsWith('# an earlier step\n### ❌ leakscope growth')).toBe(true);
  });

  it('growth clean-server-1 3 --fail-on-growth --format github → a ::notice, exit 0', async () => {
    const r = await runCliInProcess(['growth', ...clean, '--fail-on-growth', '--format', 'github'], { env: { GITHUB_STEP_SUMMARY: '' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^::notice title=leakscope growth::PASS  no class grew beyond its allowance$/m);
  });

  it('$GITHUB_STEP_SUMMARY naming an input snapshot, or a read-only file, is refused before any work (exit 2, file unchanged)', async () => {
    const input = path.join(tmp, 'input.heapsnapshot.gz');
    fs.copyFileSync(leaky[0], input);
    const before = fs.readFileSync(input);
    const r = await runCliInProcess(['growth', input, leaky[1], '--fail-on-growth', '--format', 'github'], { env: { GITHUB_STEP_SUMMARY: input } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^leakscope: \$GITHUB_STEP_SUMMARY .*input/);
    expect(fs.readFileSync(input).equals(before)).toBe(true);
    const readOnly = path.join(tmp, 'read-only.md');
    fs.writeFileSync(readOnly, 'kept\n', { mode: 0o444 });
    fs.chmodSync(readOnly, 0o444);
    const ro = await runCliInProcess(['growth', ...leaky, '--format', 'github'], { env: { GITHUB_STEP_SUMMARY: readOnly } });
    expect(ro.status).toBe(2);
    expect(fs.readFileSync(readOnly, 'utf8')).toBe('kept\n');
  });

  it('escapes heap text by the workflow-command rules: no second command can start', () => {
    const report = {
      result: { classes: [{ key: ',x', counts: [1, 20] }] },
      gate: { violations: [{ name: 'Evil%\n::warning::pwned,a:b', key: ',x', delta: 19, heldByProgram: 19, explainedBy: null, limit: 9, rule: 'min-delta' }], verdicts: ['watched'] },
      failOnGrowth: true, limit: 20, minDelta: 10, retainers: new Map(),
    } as unknown as GrowthReport;
    const lines = renderGithubAnnotations(report).split('\n');
    // The annotation and the verdict: the name's line break cannot start a command of its own.
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^::error title=leakscope%3A Evil%25[^,:]*%3A%3Awarning%3A%3Apwned%2Ca%3Ab grew by 19::Evil%25/);
    expect(lines[1]).toMatch(/^FAIL /);
  });
});

describe('growth --format junit', () => {
  it('growth leaky-server-1 3 --fail-on-growth --format junit --output leaks.xml → one test case per gated class, failures for the leak', async () => {
    const out = path.join(tmp, 'leaks.xml');
    const r = await runCliInProcess(['growth', ...leaky, '--fail-on-growth', '--format', 'junit', '--output', out]);
    expect(r.status).toBe(1);
    const xml = fs.readFileSync(out, 'utf8');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    const json = JSON.parse((await runCliInProcess(['growth', ...leaky, '--fail-on-growth', '--json', '--limit', '0'])).stdout);
    const gated = json.classes.filter((c: { watched: boolean }) => c.watched).length;
    expect(xml.match(/<testcase /g)).toHaveLength(gated);
    expect(xml.match(/<failure /g)).toHaveLength(json.violations.length);
    expect(xml).toMatch(/<testcase classname="leakscope.growth" name="RequestContext">\s*<failure message="RequestContext: \+400 objects, allowed \+9/);
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  });
});
