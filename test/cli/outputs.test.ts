// Output flags never destroy data: an output that is an input is refused before any work, `-` is
// standard output, links are written through, FIFOs in place, modes kept, read-only files refused.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCli, runCliInProcess } from '../helpers/cli.ts';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-outputs-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 *   root ─shortcut→ global ─.conns→ Array ─[i]→ Connection × n
 * Two snapshots of "one process": the same ids, the second with more Connections.
 */
function writeSnapshot(file: string, connections: number): string {
  const b = new SnapshotBuilder();
  const root = b.root({ id: 1 });
  const global = b.node('object', 'global', { id: 3, selfSize: 24 });
  const array = b.node('array', 'Array', { id: 5, selfSize: 16 });
  b.edge(root, 'shortcut', '1', global);
  b.edge(global, 'property', 'conns', array);
  for (let i = 0; i < connections; i++) b.edge(array, 'element', i, b.node('object', 'Connection', { id: 101 + 2 * i, selfSize: 40 }));
  b.writeTo(file);
  return file;
}

const SNAP = writeSnapshot(path.join(tmp, 'a.heapsnapshot'), 20);
const SNAP_B = writeSnapshot(path.join(tmp, 'b.heapsnapshot'), 40);
const SNAP_BYTES = fs.readFileSync(SNAP);
/** Not a snapshot at all: a command that reports the clash and not a parse error checked first. */
const NOT_A_SNAPSHOT = path.join(tmp, 'garbage.heapsnapshot');
fs.writeFileSync(NOT_A_SNAPSHOT, 'this is not JSON\n');

const sub = path.join(tmp, 'sub');
fs.mkdirSync(sub);
const LINK_TO_SNAP = path.join(tmp, 'link-to-a.heapsnapshot');
fs.symlinkSync('a.heapsnapshot', LINK_TO_SNAP);
const HARD_LINK_TO_SNAP = path.join(tmp, 'hard-a.heapsnapshot');
fs.linkSync(SNAP, HARD_LINK_TO_SNAP);

function expectRefused(r: { status: number | null; stdout: string; stderr: string }, message: string | RegExp): void {
  expect(r.stdout).toBe('');
  if (typeof message === 'string') expect(r.stderr).toBe(`leakscope: ${message}\n`);
  else expect(r.stderr).toMatch(message);
  expect(r.status).toBe(2);
  expect(fs.readFileSync(SNAP).equals(SNAP_BYTES)).toBe(true);
  expect(fs.readdirSync(tmp).filter((name) => name.endsWith('.tmp'))).toEqual([]);
}

describe('an output that is an input is refused before the snapshots are read', () => {
  it('leakscope chain SNAP --type Connection --svg SNAP', async () => {
    expectRefused(await runCliInProcess(['chain', SNAP, '--type', 'Connection', '--svg', SNAP]),
      `--svg ${SNAP}: that is the input ${SNAP}; leakscope never overwrites its input`);
  });

  it('leakscope chain GARBAGE --type X --dot GARBAGE (refused before parsing: no parse error)', async () => {
    const r = await runCliInProcess(['chain', NOT_A_SNAPSHOT, '--type', 'X', '--dot', NOT_A_SNAPSHOT]);
    expect(r.stderr).toBe(`leakscope: --dot ${NOT_A_SNAPSHOT}: that is the input ${NOT_A_SNAPSHOT}; leakscope never overwrites its input\n`);
    expect(r.status).toBe(2);
    expect(fs.readFileSync(NOT_A_SNAPSHOT, 'utf8')).toBe('this is not JSON\n');
  });

  it('leakscope growth A B --output A', async () => {
    expectRefused(await runCliInProcess(['growth', SNAP, SNAP_B, '--output', SNAP]),
      `--output ${SNAP}: that is the input ${SNAP}; leakscope never overwrites its input`);
  });

  it('leakscope cycles SNAP --dot SNAP', async () => {
    expectRefused(await runCliInProcess(['cycles', SNAP, '--dot', SNAP]), `--dot ${SNAP}: that is the input ${SNAP}; leakscope never overwrites its input`);
  });

  it('leakscope backrefs SNAP --type Connection --svg SNAP', async () => {
    expectRefused(await runCliInProcess(['backrefs', SNAP, '--type', 'Connection', '--svg', SNAP]),
      `--svg ${SNAP}: that is the input ${SNAP}; leakscope never overwrites its input`);
  });

  it('leakscope chain ./a.heapsnapshot --type Connection --dot ../<dir>/a.heapsnapshot (cwd: the snapshot\'s folder)', async () => {
    const other = `../${path.basename(tmp)}/a.heapsnapshot`;
    expectRefused(await runCliInProcess(['chain', './a.heapsnapshot', '--type', 'Connection', '--dot', other], { cwd: tmp }),
      `--dot ${other}: that is the input ./a.heapsnapshot; leakscope never overwrites its input`);
  });

  it('leakscope growth ../a.heapsnapshot ../b.heapsnapshot --output ./../a.heapsnapshot (cwd: a subfolder)', async () => {
    expectRefused(await runCliInProcess(['growth', '../a.heapsnapshot', '../b.heapsnapshot', '--output', './../a.heapsnapshot'], { cwd: sub }),
      '--output ./../a.heapsnapshot: that is the input ../a.heapsnapshot; leakscope never overwrites its input');
  });

  it('leakscope cycles SNAP --svg LINK-TO-SNAP (a symlink to the input)', async () => {
    expectRefused(await runCliInProcess(['cycles', SNAP, '--svg', LINK_TO_SNAP]),
      `--svg ${LINK_TO_SNAP}: that is the input ${SNAP}; leakscope never overwrites its input`);
    expect(fs.lstatSync(LINK_TO_SNAP).isSymbolicLink()).toBe(true);
  });

  it('leakscope chain LINK-TO-SNAP --type Connection --svg SNAP (the input given as a link)', async () => {
    expectRefused(await runCliInProcess(['chain', LINK_TO_SNAP, '--type', 'Connection', '--svg', SNAP]),
      `--svg ${SNAP}: that is the input ${LINK_TO_SNAP}; leakscope never overwrites its input`);
  });

  it('leakscope growth A B --output HARD-LINK-TO-A (same inode, another name)', async () => {
    expectRefused(await runCliInProcess(['growth', SNAP, SNAP_B, '--output', HARD_LINK_TO_SNAP]),
      `--output ${HARD_LINK_TO_SNAP}: that is the input ${SNAP}; leakscope never overwrites its input`);
  });

  it('leakscope run SCENARIO --output SCENARIO (refused before the scenario runs)', () => {
    const scenario = path.join(tmp, 'scenario.mjs');
    const text = 'export function action() {}\n';
    fs.writeFileSync(scenario, text);
    const r = runCli(['run', scenario, '--output', scenario]);
    expect(r.stderr).toBe(`leakscope: --output ${scenario}: that is the input ${scenario}; leakscope never overwrites its input\n`);
    expect(r.status).toBe(2);
    expect(fs.readFileSync(scenario, 'utf8')).toBe(text);
  });

  it('leakscope chain SNAP --type Connection --dot X --svg X (two outputs, one file)', async () => {
    const out = path.join(tmp, 'same.out');
    expectRefused(await runCliInProcess(['chain', SNAP, '--type', 'Connection', '--dot', out, '--svg', out]), `--dot and --svg name the same file, ${out}`);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('- is standard output', () => {
  it('leakscope refs SNAP --type Connection --dot -', async () => {
    const r = await runCliInProcess(['refs', SNAP, '--type', 'Connection', '--dot', '-']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^digraph /);
    expect(r.stderr).toMatch(/^leakscope: wrote standard output \(DOT, \d+ nodes\)\n$/);
    expect(fs.existsSync(path.join(PROJECT_ROOT, '-'))).toBe(false);
  });

  it('leakscope backrefs SNAP --type Connection --svg -', async () => {
    const r = await runCliInProcess(['backrefs', SNAP, '--type', 'Connection', '--svg', '-']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/<svg[\s>]/);
  });

  it('leakscope growth A B --output - (the report on stdout, as without --output)', async () => {
    const r = await runCliInProcess(['growth', SNAP, SNAP_B, '--output', '-']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe((await runCliInProcess(['growth', SNAP, SNAP_B])).stdout);
    expect(r.stdout).toMatch(/^Connection\s/m);
  });

  it('leakscope chain SNAP --type Connection --dot - (stdout already carries the chain)', async () => {
    expectRefused(await runCliInProcess(['chain', SNAP, '--type', 'Connection', '--dot', '-']), '--dot -: standard output already carries the chain; give a file name');
  });

  it('leakscope refs SNAP --type Connection --json --dot -', async () => {
    expectRefused(await runCliInProcess(['refs', SNAP, '--type', 'Connection', '--json', '--dot', '-']), '--dot -: standard output already carries the JSON; give a file name');
  });

  it('leakscope demo --out - (refused before the demo runs)', () => {
    expectRefused(runCli(['demo', '--out', '-']), '--out -: standard output already carries the demo; give a file name');
  });

  it('leakscope snapshot --pid PID --out -', () => {
    expectRefused(runCli(['snapshot', '--pid', String(process.pid), '--out', '-']),
      '--out -: standard output already carries the names of the snapshots written; give a file name');
  });
});

describe('existing outputs', () => {
  it('leakscope growth A B --output LINK: the link stays a link and its target gets the report', async () => {
    const target = path.join(tmp, 'report-target.md');
    fs.writeFileSync(target, 'old');
    const link = path.join(tmp, 'report-link.md');
    fs.symlinkSync(target, link);
    const r = await runCliInProcess(['growth', SNAP, SNAP_B, '--format', 'markdown', '--output', link]);
    expect(r.status).toBe(0);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(link)).toBe(target);
    expect(fs.readFileSync(target, 'utf8')).toMatch(/Connection/);
  });

  it('leakscope growth A B --output FILE keeps FILE\'s mode 0600', async () => {
    const out = path.join(tmp, 'private.md');
    fs.writeFileSync(out, 'old', { mode: 0o600 });
    fs.chmodSync(out, 0o600);
    const r = await runCliInProcess(['growth', SNAP, SNAP_B, '--output', out]);
    expect(r.status).toBe(0);
    expect(fs.statSync(out).mode & 0o7777).toBe(0o600);
    expect(fs.readFileSync(out, 'utf8')).toMatch(/Connection/);
  });

  it('leakscope growth A B --output READ-ONLY (0444) is refused before the snapshots are read', async () => {
    const out = path.join(tmp, 'read-only.md');
    fs.writeFileSync(out, 'keep me');
    fs.chmodSync(out, 0o444);
    expectRefused(await runCliInProcess(['growth', NOT_A_SNAPSHOT, NOT_A_SNAPSHOT, '--output', out]),
      `cannot write ${out}: it is read-only (mode 0444); leakscope does not overwrite read-only files`);
    expect(fs.readFileSync(out, 'utf8')).toBe('keep me');
  });

  it('leakscope snapshot --pid PID --out READ-ONLY is refused before the process is touched', () => {
    const out = path.join(tmp, 'read-only.heapsnapshot');
    fs.writeFileSync(out, 'keep me');
    fs.chmodSync(out, 0o444);
    expectRefused(runCli(['snapshot', '--pid', String(process.pid), '--out', out]),
      `cannot write ${out}: it is read-only (mode 0444); leakscope does not overwrite read-only files`);
  });

  it('leakscope refs SNAP --type Connection --dot FIFO: written in place, a reader gets the DOT', async () => {
    const fifo = path.join(tmp, 'graph.fifo');
    const received = path.join(tmp, 'received.dot');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    // The reader runs on its own while runCli blocks this thread.
    const reader = spawn('sh', ['-c', 'cat "$0" > "$1"', fifo, received], { stdio: 'ignore' });
    const readerDone = new Promise((resolve) => reader.once('exit', resolve));
    const r = runCli(['refs', SNAP, '--type', 'Connection', '--dot', fifo]);
    if (r.status !== 0) reader.kill(); // it would wait for a writer forever
    expect(r.status).toBe(0);
    await readerDone;
    expect(fs.readFileSync(received, 'utf8')).toMatch(/^digraph /);
    expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('leakscope cycles SNAP --dot /dev/null (a character device, written in place)', async () => {
    const r = await runCliInProcess(['cycles', SNAP, '--dot', '/dev/null']);
    expect(r.status).toBe(0);
    expect(fs.lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });
});
