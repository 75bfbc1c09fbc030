import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runCliInProcess } from '../helpers/cli.ts';
import { fixtureGzPath, fixturePath } from '../helpers/fixtures.ts';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';

const basic = fixtureGzPath('basic');

/** A snapshot whose class and string names try to drive the terminal. */
function hostileSnapshot(): string {
  const b = new SnapshotBuilder();
  const root = b.root();
  const global = b.node('object', 'global', { selfSize: 24 });
  b.edge(root, 'shortcut', '1', global);
  for (let i = 0; i < 3; i++) {
    const evil = b.node('object', 'Evil\u001b[2J\u001b]8;;http://x\u0007', { selfSize: 40 });
    const text = b.node('string', '\u001b[31mred\r\u202eevil', { selfSize: 32 });
    b.edge(global, 'element', i, evil);
    b.edge(evil, 'property', 'label', text);
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-hostile-')), 'hostile.heapsnapshot');
  b.writeTo(file);
  return file;
}

describe('leakscope top', () => {
  it('leakscope top fixtures/basic.heapsnapshot.gz lists the 1000 Connections and the {host, region} objects', () => {
    const { status, stdout, stderr } = runCli(['top', basic, '--limit', '0']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Class\s+Count\s+Distance\s+Self size\s+Retained size$/m);
    expect(stdout).toMatch(/^Connection\s+1,000\s/m);
    // Plain objects are named by their properties, as DevTools names them: the 500 endpoints plus
    // the boilerplate object V8 keeps for the object literal that made them.
    expect(stdout).toMatch(/^\{host, region\}\s+501\s/m);
    expect(stdout).toMatch(/^SessionStore\s+1\s/m);
  });

  it('leakscope top --json gives the documented shape', async () => {
    const { status, stdout } = await runCliInProcess(['top', basic, '--json', '--limit', '5', '--sort', 'size']);
    expect(status).toBe(0);
    const json = JSON.parse(stdout);
    expect(Object.keys(json.snapshot)).toEqual(expect.arrayContaining(['file', 'nodeCount', 'edgeCount', 'totalSize']));
    expect(json.snapshot.nodeCount).toBe(44585);
    expect(json.classes).toHaveLength(5);
    for (const c of json.classes) expect(Object.keys(c)).toEqual(expect.arrayContaining(['name', 'count', 'selfSize', 'retainedSize', 'distance']));
    const sizes = json.classes.map((c: { selfSize: number }) => c.selfSize);
    expect([...sizes].sort((a, b) => b - a)).toEqual(sizes);
  });

  it('leakscope top --sort retained orders by class retained size; a class retains at least its own bytes', async () => {
    const { classes } = JSON.parse((await runCliInProcess(['top', basic, '--json', '--limit', '0', '--sort', 'retained'])).stdout);
    const retained = classes.map((c: { retainedSize: number }) => c.retainedSize);
    expect([...retained].sort((a: number, b: number) => b - a)).toEqual(retained);
    for (const c of classes) expect(c.retainedSize).toBeGreaterThanOrEqual(c.selfSize);
    // The fixture writes its snapshot from inside the module's top-level await, so its module
    // variables hang off (Stack roots): no path from a global, and DevTools shows no distance ("−").
    const connection = classes.find((c: { name: string }) => c.name === 'Connection');
    expect(connection.distance).toBeNull();
    expect(connection.retainedSize).toBe(connection.selfSize);
    const errors = classes.find((c: { name: string }) => c.name === 'Error');
    expect(errors.distance).toBeGreaterThan(1);
  });

  it('leakscope top --names raw groups plain objects under Object and closures by name', async () => {
    const { stdout } = await runCliInProcess(['top', basic, '--names', 'raw', '--limit', '0', '--json']);
    const names = new Map(JSON.parse(stdout).classes.map((c: { name: string; count: number }) => [c.name, c.count]));
    expect(names.get('Connection')).toBe(1000);
    expect(names.get('{host, region}')).toBeUndefined();
    expect(names.get('Object')).toBeGreaterThanOrEqual(500);
    expect(names.get('Function tick')).toBe(1);
  });

  it('leakscope top on hostile names prints no control characters', async () => {
    const { status, stdout } = await runCliInProcess(['top', hostileSnapshot(), '--limit', '0']);
    expect(status).toBe(0);
    expect(stdout).toContain('Evil');
    // eslint-disable-next-line no-control-regex
    expect(stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/);
  });

  it.each([
    [['top'], /missing required argument 'snapshot'/],
    [['top', basic, '--limit', '-1'], /argument '-1' is invalid/],
    [['top', basic, '--sort', 'age'], /argument 'age' is invalid/],
    [['top', '/no/such.heapsnapshot'], /\/no\/such.heapsnapshot: no such file/],
    [['top', 'fixtures'], /is a directory/],
    [['top', 'package.json'], /not a V8 heap snapshot|no "snapshot" header/],
    [['top', basic, '--bogus'], /unknown option '--bogus'/],
  ])('leakscope %j fails with one line and exit 2', async (args, message) => {
    const { status, stdout, stderr } = await runCliInProcess(args as string[]);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^leakscope: /);
  });

  it('leakscope top on a truncated file names the place and exits 2 without a stack trace', async () => {
    const full = fs.readFileSync(fixturePath('basic'));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-cut-')), 'cut.heapsnapshot');
    fs.writeFileSync(file, full.subarray(0, Math.floor(full.length * 0.6)));
    const { status, stderr } = await runCliInProcess(['top', file]);
    expect(status).toBe(2);
    expect(stderr).toMatch(/^leakscope: .*cut\.heapsnapshot: truncated: the file ends inside "(edges|strings)"/);
    expect(stderr).not.toMatch(/\bat .*\.ts:\d+/);
    const debug = await runCliInProcess(['top', file, '--debug']);
    expect(debug.stderr).toMatch(/SnapshotFormatError/);
  });

  it('leakscope top --help shows examples', async () => {
    const { status, stdout } = await runCliInProcess(['top', '--help']);
    expect(status).toBe(0);
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain('--sort');
  });
});
