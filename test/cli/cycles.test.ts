// `leakscope cycles` as a user runs it: the real binary, NO_COLOR, stdout/stderr/exit code.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, runCliInProcess } from '../helpers/cli.ts';
import { fixtureGzPath } from '../helpers/fixtures.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-cycles-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe.each(['finreg-node18', 'finreg-node20', 'finreg-node22', 'finreg-node24'])('leakscope cycles %s', (fixture) => {
  const snap = fixtureGzPath(fixture);

  it(`leakscope cycles ${fixture}.heapsnapshot.gz --json`, async () => {
    const { status, stdout, stderr } = await runCliInProcess(['cycles', snap, '--json']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const json = JSON.parse(stdout);
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['finalization', 'pendingCleanups', 'cycles']));
    expect(json.pendingCleanups).toBe(0);
    const byReason: Record<string, number> = {};
    for (const f of json.finalization) {
      expect(Object.keys(f)).toEqual(expect.arrayContaining(['registry', 'target', 'reason', 'path']));
      // Nodes as `chain --json` writes them: V8's name and node type.
      expect(f.registry).toEqual({ id: expect.any(Number), name: 'FinalizationRegistry', type: 'object' });
      if (f.callback !== null) expect(f.callback).toEqual({ id: expect.any(Number), name: expect.any(String), type: 'closure' });
      expect(f.path[0].node.id).toBe(f.registry.id);
      expect(f.path.at(-1)).toEqual({ node: { id: f.target.id, name: f.target.name, type: 'object' }, edge: null });
      const key = `${f.reason} ${f.target.name}`;
      byReason[key] = (byReason[key] ?? 0) + 1;
    }
    expect(byReason).toEqual({
      'held-value-references-target LeakedByHeldValue': 4,
      'held-values-reference-each-other CrossedA': 4,
      'held-values-reference-each-other CrossedB': 4,
      'callback-captures-target CapturedByCallback': 4,
    });
    expect(json.cycles).toHaveLength(1);
    const [cycle] = json.cycles;
    expect(Object.keys(cycle)).toEqual(expect.arrayContaining(['members', 'size', 'retainedSize', 'keptBy']));
    expect(cycle.members.filter((m: { name: string }) => m.name === 'ListenerOwner')).toHaveLength(4);
    expect(cycle.keptBy).toMatchObject({ id: expect.any(Number), name: 'system / Context', edge: 'ownerBus', edgeType: 'context' });
    expect(json.weakKept.map((w: { target: { name: string } }) => w.target.name).sort())
      .toEqual([...Array(2).fill('WeakMapValueKeptStrongly'), ...Array(4).fill('WeakRefKeptStrongly')]);
  });
});

describe('leakscope cycles (text, exit codes, pictures)', () => {
  const snap = fixtureGzPath('finreg-node20');

  it('leakscope cycles finreg-node20 prints each finding with its explanation and fix', () => {
    const { status, stdout } = runCli(['cycles', snap]);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Unfinalizable registrations: 16/m);
    expect(stdout).toMatch(/held value references its own target: 4/);
    expect(stdout).toMatch(/HeldValue @\d+ \.target → LeakedByHeldValue @\d+/);
    expect(stdout).toMatch(/4 cycles, 8 registrations/);
    expect(stdout).toMatch(/cycle 1: Cross(edA|edB) @\d+ ⇄ Cross(edA|edB) @\d+/);
    expect(stdout).toMatch(/\{cleanup callback\} → Function cleanupCaptured @\d+ \{context\} → system \/ Context @\d+ ->target → CapturedByCallback/);
    expect(stdout).toMatch(/fix: do not capture the target in the cleanup callback/);
    expect(stdout).toMatch(/^Pending cleanups: 0 /m);
    expect(stdout).toMatch(/^Reference cycles of user objects: 1$/m);
    expect(stdout).toMatch(/ListenerOwner ×4, Function native_bind ×4/);
    expect(stdout).toMatch(/closed by: ListenerOwner\.bus → EventEmitter \(×4\)/);
    expect(stdout).toMatch(/kept alive by: system \/ Context @\d+ ->ownerBus → EventEmitter @\d+ {2}\(the only reference from outside/);
    expect(stdout).toMatch(/fix: remove the listener/);
    expect(stdout).toMatch(/^Weak references held strongly anyway: 6$/m);
    expect(stdout).not.toMatch(/StillInUse|TokenIsTarget|Channel/);
    expect(stdout).not.toMatch(/\x1b\[/);
  });

  it('leakscope cycles finreg-node20 --fail-on-finding exits 1', async () => {
    expect((await runCliInProcess(['cycles', snap, '--fail-on-finding', '--json'])).status).toBe(1);
  });

  it('leakscope cycles basic --fail-on-finding exits 0 when nothing is found', async () => {
    const { status, stdout } = await runCliInProcess(['cycles', fixtureGzPath('basic'), '--fail-on-finding', '--json']);
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ finalization: [], cycles: [], weakKept: [] });
  });

  it('leakscope cycles finreg-node20 --limit 1 shows one item per finding and says how many more', async () => {
    const { stdout } = await runCliInProcess(['cycles', snap, '--limit', '1']);
    expect(stdout).toMatch(/… 3 more \(--limit 0 shows all\)/);
  });

  it('leakscope cycles finreg-node20 --dot FILE writes a graph with the cycle highlighted', async () => {
    const file = path.join(tmp, 'cycles.dot');
    const { status } = await runCliInProcess(['cycles', snap, '--dot', file]);
    expect(status).toBe(0);
    const dot = fs.readFileSync(file, 'utf8');
    expect(dot).toMatch(/^digraph "leakscope cycles" \{/);
    expect(dot).toMatch(/"ListenerOwner\\n@\d+", style="filled"/);
    expect(dot).toMatch(/label="\.bus"/);
    expect(dot).toMatch(/label="target", style="dashed"/);
  });

  it('leakscope cycles finreg-node20 --svg FILE renders in-process', async () => {
    const file = path.join(tmp, 'cycles.svg');
    const { status, stderr } = await runCliInProcess(['cycles', snap, '--svg', file]);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/<svg[\s\S]*ListenerOwner[\s\S]*<\/svg>/);
  });

  it('leakscope cycles with both --dot and --svg is a usage error', async () => {
    const { status, stderr } = await runCliInProcess(['cycles', snap, '--dot', path.join(tmp, 'a.dot'), '--svg', path.join(tmp, 'a.svg')]);
    expect(status).toBe(2);
    expect(stderr).toMatch(/^leakscope: choose one of --dot and --svg/);
  });

  it('leakscope cycles --help shows examples', async () => {
    const { status, stdout } = await runCliInProcess(['cycles', '--help']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/--fail-on-finding/);
    expect(stdout).toMatch(/\$ leakscope cycles app\.heapsnapshot --json --limit 0/);
  });
});
