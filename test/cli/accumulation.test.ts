// `leakscope growth` leads with the collections that grew at every step (issue 16 item 2), on the
// committed leaky Express server and its clean twin; the violations name where each class accumulates.
import { describe, expect, it } from 'vitest';
import { runCli, runCliInProcess } from '../helpers/cli.ts';
import { fixturePath } from '../helpers/fixtures.ts';

const leaky = [1, 2, 3].map((k) => fixturePath(`leaky-server-${k}`));
const clean = [1, 2, 3].map((k) => fixturePath(`clean-server-${k}`));

describe('leakscope growth: accumulation points', () => {
  it('leakscope growth leaky-server-1..3 --fail-on-growth  (the growing collections come before the class table)', async () => {
    const r = await runCliInProcess(['growth', ...leaky, '--fail-on-growth'], { env: { NO_COLOR: '1' } });
    expect(r.status).toBe(1);
    const lines = r.stdout.split('\n');
    const heading = lines.findIndex((l) => l.startsWith('Growing collections'));
    const table = lines.findIndex((l) => l.startsWith('Class '));
    expect(heading).toBeGreaterThan(0);
    expect(heading).toBeLessThan(table);
    expect(lines[heading + 1]).toMatch(/^ {2}\["config-changed"\] \(Array @\d+, held from .*leaky-server\.mjs(:\d+:\d+)?\) grew 200 → 400 → 600 elements, \+[\d.]+ kB retained; 400 new Function$/);
    expect(lines[heading + 2]).toMatch(/^ {2}->requestLog \(Array @\d+, held from .*leaky-server\.mjs(:\d+:\d+)?\) grew 200 → 400 → 600 elements, \+[\d.]+ kB retained; 400 new RequestContext$/);
    // Each violation says where its class accumulates.
    expect(r.stdout).toMatch(/\n {2}RequestContext {2}\+400 objects.*\n {4}accumulating in ->requestLog \(Array @\d+/);
  });

  it('leakscope growth leaky-server-1..3 --json  (accumulation, and per violation its accumulation point)', async () => {
    const json = JSON.parse((await runCliInProcess(['growth', ...leaky, '--json'])).stdout);
    expect(json.accumulation.map((p: { heldAs: string; counts: number[]; unit: string; mainClass: { name: string } }) => [p.heldAs, p.counts, p.unit, p.mainClass.name])).toEqual([
      ['["config-changed"]', [200, 400, 600], 'elements', 'Function'],
      ['->requestLog', [200, 400, 600], 'elements', 'RequestContext'],
    ]);
    expect(json.accumulation[1]).toMatchObject({ name: 'Array', heldFrom: { file: expect.stringMatching(/leaky-server\.mjs$/), line: expect.any(Number), column: expect.any(Number) } });
    expect(json.accumulation[1].retainedSizeDelta).toBe(json.accumulation[1].retainedSizes[1] - json.accumulation[1].retainedSizes[0]);
    const byName = new Map(json.violations.map((v: { name: string; accumulation: unknown }) => [v.name, v.accumulation]));
    expect(byName.get('RequestContext')).toMatchObject({ id: json.accumulation[1].id, heldAs: '->requestLog' });
    expect(byName.get('Function')).toMatchObject({ heldAs: '["config-changed"]' });
  });

  it('leakscope growth leaky-server-1..3 --format markdown  (the step summary lists them too, escaped)', async () => {
    const r = await runCliInProcess(['growth', ...leaky, '--format', 'markdown']);
    expect(r.stdout).toContain('**Growing collections** (alive in every snapshot, more members at every step):');
    expect(r.stdout).toMatch(/\n- -&gt;requestLog \(Array @\d+, held from .*\) grew 200 → 400 → 600 elements, /);
  });

  it('leakscope growth clean-server-1..3 --json  (no collection grew: an empty list)', async () => {
    const r = await runCliInProcess(['growth', ...clean, '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).accumulation).toEqual([]);
  });

  it('leakscope growth A B --counts-only  (no ids, no accumulation points)', async () => {
    const json = JSON.parse((await runCliInProcess(['growth', leaky[0], leaky[2], '--counts-only', '--json'])).stdout);
    expect(json.accumulation).toBeNull();
  });
});
