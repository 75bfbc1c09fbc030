import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeakscopeError } from '../../src/errors.ts';
import { writeFileAtomic } from '../../src/report/write-output.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'leakscope-write-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes a new file and leaves no temp file behind', async () => {
    const path = join(dir, 'report.json');
    await writeFileAtomic(path, '{}\n');
    expect(readFileSync(path, 'utf8')).toBe('{}\n');
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('replaces an existing file and accepts bytes', async () => {
    const path = join(dir, 'graph.svg');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, new Uint8Array([0x3c, 0x73, 0x76, 0x67, 0x3e]));
    expect(readFileSync(path, 'utf8')).toBe('<svg>');
    expect(readdirSync(dir)).toEqual(['graph.svg']);
  });

  it('throws a LeakscopeError naming the path when the directory is missing', async () => {
    const path = join(dir, 'missing', 'out.dot');
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow(LeakscopeError);
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow(`cannot write ${path}: ENOENT`);
  });

  it('cleans up the temp file when the rename fails', async () => {
    const path = join(dir, 'taken');
    // A non-empty directory at the target makes rename fail after the temp file was written.
    mkdirSync(join(path, 'inner'), { recursive: true });
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow(LeakscopeError);
    expect(readdirSync(dir)).toEqual(['taken']);
  });
});
