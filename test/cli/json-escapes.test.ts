import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli.ts';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-json-escapes-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** One of each class JSON.stringify leaves raw: DEL, C1 (CSI), RLO, isolate, marks, separators. */
const HOSTILE = 'Evil\u007f\u009b\u202e\u2066\u200f\u061c\u2028\u2029';
const ESCAPED = ['\\u007f', '\\u009b', '\\u202e', '\\u2066', '\\u200f', '\\u061c', '\\u2028', '\\u2029'];

/**
 *   root ─shortcut→ global ─[0..2]→ HOSTILE ─.HOSTILE→ "HOSTILE" (string)
 * Class name, property name (in list's preview) and string value all carry the characters.
 */
function hostileSnapshot(): string {
  const b = new SnapshotBuilder();
  const root = b.root();
  const global = b.node('object', 'global', { selfSize: 24 });
  b.edge(root, 'shortcut', '1', global);
  for (let i = 0; i < 3; i++) {
    const evil = b.node('object', HOSTILE, { selfSize: 40 });
    const text = b.node('string', HOSTILE, { selfSize: 32 });
    b.edge(global, 'element', i, evil);
    b.edge(evil, 'property', HOSTILE, text);
  }
  const file = path.join(tmp, 'hostile.heapsnapshot');
  b.writeTo(file);
  return file;
}

const SNAP = hostileSnapshot();

function expectEscaped(stdout: string): void {
  for (const c of HOSTILE.slice('Evil'.length)) expect(stdout).not.toContain(c);
  for (const escape of ESCAPED) expect(stdout).toContain(escape);
}

describe('--json escapes the characters JSON allows raw', () => {
  it('leakscope top SNAP --json', async () => {
    const r = await runCliInProcess(['top', SNAP, '--json', '--limit', '0']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expectEscaped(r.stdout);
    expect(JSON.parse(r.stdout).classes.map((c: { name: string }) => c.name)).toContain(HOSTILE);
  });

  it('leakscope list SNAP --type HOSTILE --json', async () => {
    const r = await runCliInProcess(['list', SNAP, '--type', HOSTILE, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expectEscaped(r.stdout);
    const json = JSON.parse(r.stdout);
    expect(json.type).toBe(HOSTILE);
    expect(json.objects).toHaveLength(3);
    expect(json.objects[0].preview).toContain(HOSTILE);
  });

  it('leakscope list SNAP --type (string) --json', async () => {
    const r = await runCliInProcess(['list', SNAP, '--type', '(string)', '--json']);
    expect(r.status).toBe(0);
    expectEscaped(r.stdout);
    expect(JSON.parse(r.stdout).objects[0].preview).toBe(JSON.stringify(HOSTILE));
  });
});
