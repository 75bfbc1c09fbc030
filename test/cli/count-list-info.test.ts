import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { fixtureGzPath } from '../helpers/fixtures.ts';

const basic = fixtureGzPath('basic');

describe('leakscope count', () => {
  it('leakscope count basic --type Connection --json counts all 1000', () => {
    const { status, stdout } = runCli(['count', basic, '--type', 'Connection', '--json']);
    expect(status).toBe(0);
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({ type: 'Connection', count: 1000 });
    expect(json.selfSize).toBeGreaterThan(1000 * 16);
  });

  it('leakscope count accepts the raw name of a DevTools-named class', () => {
    const devtools = JSON.parse(runCli(['count', basic, '--type', '{host, region}', '--json']).stdout);
    expect(devtools.count).toBe(501); // 500 endpoints + the literal's boilerplate object
    const text = runCli(['count', basic, '--type', 'Function tick']);
    expect(text.stdout).toMatch(/^Function tick: 1 objects, \d+ B$/m);
  });

  it('leakscope count without --type is a usage error', () => {
    const { status, stderr } = runCli(['count', basic]);
    expect(status).toBe(2);
    expect(stderr).toMatch(/required option '-t, --type <name>' not specified/);
  });
});

describe('leakscope list', () => {
  it('leakscope list basic --type Connection -n 3 shows ids, sizes and property previews', () => {
    const { status, stdout } = runCli(['list', basic, '--type', 'Connection', '-n', '3']);
    expect(status).toBe(0);
    const rows = stdout.split('\n').filter((l) => /^\s*@\d+/.test(l));
    expect(rows).toHaveLength(3);
    expect(stdout).toMatch(/1,000 objects of type Connection; 997 more/);
    const json = JSON.parse(runCli(['list', basic, '--type', 'Connection', '-n', '2', '--json']).stdout);
    expect(json.type).toBe('Connection');
    expect(json.objects).toHaveLength(2);
    expect(json.objects[0]).toEqual({ id: expect.any(Number), selfSize: expect.any(Number), retainedSize: expect.any(Number), distance: null, preview: expect.stringMatching(/^\{.*state/) });
    expect(json.objects[0].retainedSize).toBeGreaterThanOrEqual(json.objects[0].selfSize);
  });

  it('leakscope list previews string values', () => {
    const json = JSON.parse(runCli(['list', basic, '--type', '(string)', '-n', '0', '--json']).stdout);
    expect(json.objects.some((o: { preview: string }) => o.preview === '"eu-west-1"')).toBe(true);
  });

  it('leakscope list --type NoSuchClass exits 2 with a hint', () => {
    const { status, stderr } = runCli(['list', basic, '--type', 'NoSuchClass']);
    expect(status).toBe(2);
    expect(stderr).toMatch(/^leakscope: no class "NoSuchClass" in .*leakscope top/);
  });
});

describe('leakscope info', () => {
  it('leakscope info --json reports the runtime, format and counts', () => {
    const { status, stdout } = runCli(['info', fixtureGzPath('finreg-node24'), '--json']);
    expect(status).toBe(0);
    const info = JSON.parse(stdout);
    expect(info.runtime).toBe('node');
    expect(info.runtimeVersion).toMatch(/^v24\./);
    expect(info.nodeFields).not.toContain('trace_node_id');
    expect(info.nodeCount).toBe(58113);
    expect(info.stringCount).toBeGreaterThan(1000);
    expect(info.totalSize).toBeGreaterThan(0);
    expect(info.statistics.v8heap.code).toBeGreaterThan(0);
  });

  it('leakscope info tells an allocation-tracked snapshot', () => {
    const { stdout } = runCli(['info', fixtureGzPath('tracked')]);
    expect(stdout).toMatch(/^allocation traces\s+[\d,]+ functions$/m);
    expect(stdout).toMatch(/^runtime\s+node v20\./m);
  });
});
