// `leakscope suspects` as a user runs it: NO_COLOR, stdout/stderr/exit code, on snapshots of small
// programs that leak in six classic ways, and of their healthy twins. The compiled CLI runs in
// process (runCliInProcess); the real binary is spawned for the exit-1 report and a missing file.
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliInProcess } from '../helpers/cli.ts';
import { makeSuspectSnapshot, SUSPECT_PROGRAMS } from '../../fixtures/programs/suspects-make.mjs';

interface ClassJson { name: string; count: number; retainedSize: number; percent: number; largestId: number }
interface HopJson { node: { id: number; name: string; type: string }; edge: { type: string; name: string | number } | null }
interface SuspectJson {
  kind: string; retainedSize: number; percent: number;
  top: { id: number; name: string; retainedSize: number };
  accumulation: { id: number; name: string; retainedSize: number; heldAs: string | null };
  memberCount: number; classes: ClassJson[];
  example: { edge: { type: string; name: string | number } | null; node: { id: number; name: string } }[];
  chain: HopJson[] | null; transientRoot: string | null; lastingChain: HopJson[] | null;
}

const snapshots: Record<string, { leak: string; healthy: string }> = {};

beforeAll(async () => {
  // One program at a time: the machine has two cores and other test files run beside this one.
  for (const program of SUSPECT_PROGRAMS) {
    snapshots[program] = { leak: await makeSuspectSnapshot(program, 'leak'), healthy: await makeSuspectSnapshot(program, 'healthy') };
  }
}, 300_000);

async function suspectsJson(file: string, extra: string[] = []): Promise<{ suspects: SuspectJson[]; skipped: unknown[]; snapshot: { totalSize: number } }> {
  const { status, stdout, stderr } = await runCliInProcess(['suspects', file, '--json', ...extra]);
  expect(stderr).toBe('');
  expect(status).toBe(0);
  return JSON.parse(stdout);
}

/** Edge names along a JSON chain, in DevTools notation, root first. */
function chainEdges(chain: HopJson[]): string[] {
  return chain.flatMap((hop) => {
    if (hop.edge === null) return [];
    const { type, name } = hop.edge;
    return [type === 'context' ? `->${name}` : type === 'element' ? `[${name}]` : type === 'property' ? `.${name}` : `{${name}}`];
  });
}

describe('leakscope suspects on leaking programs', () => {
  it('leakscope suspects request-log --json: the module-level array ->requestLog holds exactly 10,000 RequestLog', async () => {
    const { suspects } = await suspectsJson(snapshots['request-log'].leak);
    expect(suspects).toHaveLength(1);
    const [s] = suspects;
    expect(s.kind).toBe('object');
    expect(s.accumulation).toMatchObject({ name: 'Array', heldAs: '->requestLog' });
    expect(s.classes[0]).toMatchObject({ name: 'RequestLog', count: 10_000 });
    expect(s.classes[0].percent).toBeGreaterThan(40);
    expect(s.percent).toBeGreaterThanOrEqual(s.classes[0].percent);
    expect(s.chain!.at(-1)).toEqual({ node: { id: s.accumulation.id, name: 'Array', type: 'object' }, edge: null });
    expect(chainEdges(s.chain!).at(-1)).toBe('->requestLog');
    expect(s.transientRoot).toBeNull();
    expect(s.lastingChain).toBeNull();
  });

  it('leakscope suspects request-log --fail-on-suspect: the text names the array, what accumulates and the chain; exit 1', () => {
    const { status, stdout, stderr } = runCli(['suspects', snapshots['request-log'].leak, '--fail-on-suspect']);
    expect(stderr).toBe('');
    expect(status).toBe(1);
    expect(stdout).toMatch(/^Leak suspects in .*: 1 suspect retains ≥ 10% of the [\d.]+ MB heap$/m);
    expect(stdout).toMatch(/^#1 {2}system \/ Context @\d+ retains [\d.]+ MB \(\d+\.\d% of the heap\)$/m);
    expect(stdout).toMatch(/^ {4}accumulated in Array @\d+ ->requestLog, [\d.]+ MB \(\d+\.\d%\): 10,00\d objects$/m);
    expect(stdout).toMatch(/^ {6}10,000 RequestLog, [\d.]+ MB, \d+\.\d% of the heap$/m);
    expect(stdout).toMatch(/^ {4}shortest chain to it, \d+ hops from a global object:$/m);
    expect(stdout).toMatch(/^ {6}->requestLog → Array @\d+$/m);
    expect(stdout).not.toMatch(/\x1b\[/);
  });

  it('leakscope suspects map-cache --json: the Map .cache of ->service holds exactly 6,000 UserProfile under 6,000 keys', async () => {
    const { suspects } = await suspectsJson(snapshots['map-cache'].leak);
    expect(suspects).toHaveLength(1);
    const [s] = suspects;
    expect(s.accumulation).toMatchObject({ name: 'Map', heldAs: '.cache' });
    expect(s.classes.slice(0, 2).map((c) => [c.name, c.count])).toEqual([['UserProfile', 6_000], ['(string)', 6_000]]);
    expect(chainEdges(s.chain!).slice(-2)).toEqual(['->service', '.cache']);
  });

  it('leakscope suspects listeners --json: the listener array .tick of ->bus holds exactly 5,000 closures, each keeping a Connection', async () => {
    const { suspects } = await suspectsJson(snapshots.listeners.leak);
    expect(suspects).toHaveLength(1);
    const [s] = suspects;
    expect(s.accumulation).toMatchObject({ name: 'Array', heldAs: '.tick' });
    expect(s.classes[0]).toMatchObject({ name: 'Function', count: 5_000 });
    expect(chainEdges(s.chain!).slice(-3)).toEqual(['->bus', '._events', '.tick']);
    expect(s.example.map((step) => step.node.name)).toEqual(expect.arrayContaining(['system / Context', 'Connection']));
  });

  it('leakscope suspects timers --json: the one-hour TimersList holds exactly 4,000 Timeout, each closing over its RequestData', async () => {
    const { suspects } = await suspectsJson(snapshots.timers.leak);
    expect(suspects).toHaveLength(1);
    const [s] = suspects;
    expect(s.accumulation).toMatchObject({ name: 'TimersList', heldAs: '[3600000]' });
    expect(s.classes[0]).toMatchObject({ name: 'Timeout', count: 4_000 });
    expect(chainEdges(s.chain!).at(-1)).toBe('[3600000]');
    expect(chainEdges(s.chain!)).toContain('->timerListMap');
    expect(s.example.map((step) => step.node.name)).toEqual(expect.arrayContaining(['system / Context', 'RequestData']));
  });

  it('leakscope suspects closure-context --json: 100 handlers in ->handlers, each keeping ->largeUnused through its context', async () => {
    const { suspects } = await suspectsJson(snapshots['closure-context'].leak);
    expect(suspects).toHaveLength(1);
    const [s] = suspects;
    expect(s.accumulation).toMatchObject({ name: 'Array', heldAs: '->handlers' });
    expect(s.classes).toHaveLength(1);
    expect(s.classes[0]).toMatchObject({ name: 'Function', count: 100 });
    expect(s.example.map((step) => step.edge && `${step.edge.type}:${step.edge.name}`)).toEqual(['internal:context', 'context:largeUnused']);
    expect(s.example.at(-1)!.node.name).toBe('Array');
  });

  it('leakscope suspects closure-context: the text says what one handler holds', async () => {
    const { stdout } = await runCliInProcess(['suspects', snapshots['closure-context'].leak]);
    expect(stdout).toMatch(/^ {4}what one Function holds \(Function handler @\d+, [\d.]+ kB\): \{context\} → system \/ Context @\d+ ->largeUnused → Array @\d+, [\d.]+ kB$/m);
  });

  it('leakscope suspects on a near-heap-limit snapshot of a server that ran out of memory: the Map ->sessions holds every Session', async () => {
    const file = snapshots['oom-server'].leak;
    const { suspects } = await suspectsJson(file);
    expect(suspects).toHaveLength(1);
    const [s] = suspects;
    expect(s.percent).toBeGreaterThan(50);
    expect(s.accumulation).toMatchObject({ name: 'Map', heldAs: '->sessions' });
    const count = JSON.parse((await runCliInProcess(['count', file, '--class', 'Session', '--json'])).stdout).count;
    expect(count).toBeGreaterThan(100);
    expect(s.classes[0]).toMatchObject({ name: 'Session', count });
    // Written from inside the server while it was running: the chain also names the variable.
    expect(chainEdges(s.lastingChain ?? s.chain!).at(-1)).toBe('->sessions');
  });

  it('leakscope suspects --threshold 95 on a leak of ~60% reports no suspect', async () => {
    const { suspects } = await suspectsJson(snapshots['request-log'].leak, ['--threshold', '95%']);
    expect(suspects).toEqual([]);
  });
});

describe('leakscope suspects on the healthy twins', () => {
  for (const program of SUSPECT_PROGRAMS) {
    it(`leakscope suspects ${program} (healthy) --fail-on-suspect: no suspect, exit 0`, async () => {
      const { status, stdout, stderr } = await runCliInProcess(['suspects', snapshots[program].healthy, '--fail-on-suspect']);
      expect(stderr).toBe('');
      expect(status).toBe(0);
      expect(stdout).toMatch(/^No leak suspect in .*: no object or group of similar objects retains 10% of the [\d.]+ MB heap\.$/m);
      expect(stdout).toMatch(/^The largest object that could be one, .* @\d+, retains [\d.]+ kB \(\d+\.\d%\)\.$/m);
    });
  }

  it("leakscope suspects request-log (healthy) --json: Node's builtin-module registry is listed apart, not as a suspect", async () => {
    const json = await suspectsJson(snapshots['request-log'].healthy);
    expect(json.suspects).toEqual([]);
    expect(json.skipped).toEqual([expect.objectContaining({ reason: 'module-registry', name: 'Map' })]);
  });
});

describe('leakscope suspects (bad input)', () => {
  it('leakscope suspects with a missing file exits 2', () => {
    const { status, stdout, stderr } = runCli(['suspects', '/nonexistent/x.heapsnapshot']);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^leakscope: /);
  });

  for (const threshold of ['0', '101', 'ten']) {
    it(`leakscope suspects --threshold ${threshold} exits 2`, async () => {
      const { status, stderr } = await runCliInProcess(['suspects', snapshots['request-log'].leak, '--threshold', threshold]);
      expect(status).toBe(2);
      expect(stderr).toMatch(/^leakscope: .*threshold.*percentage/);
    });
  }
});
