import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runCliInProcess } from '../helpers/cli.ts';
import { fixtureGzPath } from '../helpers/fixtures.ts';
import { NODE20_NODE_FIELDS, SnapshotBuilder } from '../helpers/snapshot-builder.ts';

const basic = fixtureGzPath('basic');

describe('leakscope count', () => {
  it('leakscope count basic --class Connection --json counts all 1000', () => {
    const { status, stdout } = runCli(['count', basic, '--class', 'Connection', '--json']);
    expect(status).toBe(0);
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({ type: 'Connection', count: 1000 });
    expect(json.selfSize).toBeGreaterThan(1000 * 16);
  });

  it('leakscope count accepts the raw name of a DevTools-named class', async () => {
    const devtools = JSON.parse((await runCliInProcess(['count', basic, '--class', '{host, region}', '--json'])).stdout);
    expect(devtools.count).toBe(501); // 500 endpoints + the literal's boilerplate object
    const text = await runCliInProcess(['count', basic, '--class', 'Function tick']);
    expect(text.stdout).toMatch(/^Function tick: 1 objects, \d+ B$/m);
  });

  it('leakscope count without --class is a usage error', async () => {
    const { status, stderr } = await runCliInProcess(['count', basic]);
    expect(status).toBe(2);
    expect(stderr).toBe('leakscope: say which class: --class NAME (see --help)\n');
  });

  it('leakscope count basic --type Connection: --type, the old name of --class, still works', async () => {
    const { status, stdout } = await runCliInProcess(['count', basic, '--type', 'Connection', '--json']);
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ type: 'Connection', count: 1000 });
  });

  it('leakscope count basic --class Connection --type Connection is a usage error', async () => {
    const { status, stderr } = await runCliInProcess(['count', basic, '--class', 'Connection', '--type', 'Connection']);
    expect(status).toBe(2);
    expect(stderr).toBe('leakscope: give --class once (--type is its old name)\n');
  });

  it('leakscope count --help shows --class, not its old name --type', async () => {
    const { status, stdout } = await runCliInProcess(['count', '--help']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/-c, --class <name>/);
    expect(stdout).not.toMatch(/--type/);
  });
});

describe('leakscope list', () => {
  it('leakscope list basic --class Connection -n 3 shows ids, sizes and property previews', async () => {
    const { status, stdout } = runCli(['list', basic, '--class', 'Connection', '-n', '3']);
    expect(status).toBe(0);
    const rows = stdout.split('\n').filter((l) => /^\s*@\d+/.test(l));
    expect(rows).toHaveLength(3);
    expect(stdout).toMatch(/1,000 objects of class Connection; 997 more/);
    const json = JSON.parse((await runCliInProcess(['list', basic, '--class', 'Connection', '-n', '2', '--json'])).stdout);
    expect(json.type).toBe('Connection');
    expect(json.objects).toHaveLength(2);
    expect(json.objects[0]).toEqual({ id: expect.any(Number), selfSize: expect.any(Number), retainedSize: expect.any(Number), distance: null, preview: expect.stringMatching(/^\{.*state/) });
    expect(json.objects[0].retainedSize).toBeGreaterThanOrEqual(json.objects[0].selfSize);
  });

  it('leakscope list previews string values', async () => {
    const json = JSON.parse((await runCliInProcess(['list', basic, '--class', '(string)', '-n', '0', '--json'])).stdout);
    expect(json.objects.some((o: { preview: string }) => o.preview === '"eu-west-1"')).toBe(true);
  });

  it('leakscope list --class NoSuchClass exits 2 with a hint', async () => {
    const { status, stderr } = await runCliInProcess(['list', basic, '--class', 'NoSuchClass']);
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

  it('leakscope info tells an allocation-tracked snapshot', async () => {
    const { stdout } = await runCliInProcess(['info', fixtureGzPath('tracked')]);
    expect(stdout).toMatch(/^allocation traces\s+[\d,]+ functions$/m);
    expect(stdout).toMatch(/^runtime\s+node v20\./m);
  });

  it('leakscope info prints node field and section names from the file without their terminal escapes', async () => {
    // ESC ] 0 ; … BEL would retitle the terminal; the names are the file's, so untrusted.
    const b = new SnapshotBuilder({ nodeFields: [...NODE20_NODE_FIELDS, 'evil\u001b]0;pwned\u0007'], extraSections: { 'scopes\u001b[2J': [] } });
    b.root();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-info-'));
    const file = path.join(dir, 'escapes.heapsnapshot');
    try {
      b.writeTo(file);
      const { status, stdout } = await runCliInProcess(['info', file]);
      expect(status).toBe(0);
      expect(stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      expect(stdout).toMatch(/^format .*evil.*pwned.*sections: .*scopes/m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
