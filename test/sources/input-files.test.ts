// Files leakscope reads that are not files: a FIFO (opening it would wait for a writer forever),
// /dev/zero (endless bytes) and symlinks to them, as a source map, a script, a package.json, a heap
// profile or a snapshot. Each must be refused at once, never hang or grow memory.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRegularFile, readOptionalFile } from '../../src/input-file.ts';
import { createSourceMapMapper } from '../../src/sources/source-maps.ts';
import { createPackageResolver } from '../../src/sources/packages.ts';
import { readHeapProfile } from '../../src/snapshot/heap-profile.ts';
import { checkSnapshotFile } from '../../src/snapshot/load.ts';
import { runCli } from '../helpers/cli.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-input-files-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function mkfifo(file: string): string {
  const result = spawnSync('mkfifo', [file]);
  if (result.status !== 0) throw new Error(`mkfifo failed: ${result.stderr}`);
  return file;
}

function folder(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

describe('readOptionalFile and openRegularFile', () => {
  it('refuse FIFOs, devices and symlinks to them at once', () => {
    const dir = folder('reader');
    const fifo = mkfifo(path.join(dir, 'fifo'));
    fs.symlinkSync('/dev/zero', path.join(dir, 'zero'));
    for (const file of [fifo, '/dev/zero', path.join(dir, 'zero')]) {
      expect(readOptionalFile(file, 1024)).toBeNull();
      expect(readOptionalFile(file, 1024, 'tail')).toBeNull();
      expect(() => openRegularFile(file, 'a heap profile')).toThrow(`${file}: not a regular file`);
    }
    expect(() => openRegularFile(dir, 'a heap profile')).toThrow(`${dir}: is a directory, not a heap profile`);
    expect(() => openRegularFile(path.join(dir, 'missing'), 'x')).toThrow('no such file');
  });

  it('reads at most the bytes asked for', () => {
    const file = path.join(folder('reader'), 'text');
    fs.writeFileSync(file, 'head-middle-tail');
    expect(readOptionalFile(file, 4, 'head')?.toString()).toBe('head');
    expect(readOptionalFile(file, 4, 'tail')?.toString()).toBe('tail');
    expect(readOptionalFile(file, 4)).toBeNull();
    expect(readOptionalFile(file, 100)?.toString()).toBe('head-middle-tail');
  });
});

describe('source maps that are not files', () => {
  it('a sourceMappingURL naming a FIFO or /dev/zero maps nothing, at once', () => {
    const dir = folder('maps-by-comment');
    mkfifo(path.join(dir, 'fifo.map'));
    for (const [name, url] of [['to-fifo.js', 'fifo.map'], ['to-zero.js', '/dev/zero']]) {
      fs.writeFileSync(path.join(dir, name), `function f() {}\n//# sourceMappingURL=${url}\n`);
    }
    const mapper = createSourceMapMapper();
    expect(mapper(path.join(dir, 'to-fifo.js'), 1, 1)).toBeNull();
    expect(mapper(path.join(dir, 'to-zero.js'), 1, 1)).toBeNull();
  });

  it('a script that is a FIFO maps nothing, at once', () => {
    const script = mkfifo(path.join(folder('fifo-script'), 'app.js'));
    expect(createSourceMapMapper()(script, 1, 1)).toBeNull();
  });

  it('a FIFO under --source-maps is skipped; the folder is read only when a location is mapped', () => {
    const dir = folder('maps-dir');
    mkfifo(path.join(dir, 'app.js.map'));
    fs.symlinkSync('/dev/zero', path.join(dir, 'other.js.map'));
    const mapper = createSourceMapMapper({ dirs: [dir] });
    expect(mapper('/nowhere/app.js', 1, 1)).toBeNull();
    expect(mapper('/nowhere/other.js', 1, 1)).toBeNull();
  });

  it('`top --source-maps DIR` with a FIFO in DIR does not hang', () => {
    const dir = folder('maps-dir-cli');
    mkfifo(path.join(dir, 'x.js.map'));
    const result = runCli(['top', 'fixtures/basic.heapsnapshot.gz', '--source-maps', dir], { timeoutMs: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('package.json files that are not files', () => {
  it('a FIFO or a symlink to /dev/zero names the folder, at once', () => {
    const fifoApp = folder('fifo-app');
    mkfifo(path.join(fifoApp, 'package.json'));
    const zeroApp = folder('zero-app');
    fs.symlinkSync('/dev/zero', path.join(zeroApp, 'package.json'));
    const packageOf = createPackageResolver();
    expect(packageOf(path.join(fifoApp, 'index.js'))).toBe('fifo-app');
    expect(packageOf(path.join(zeroApp, 'index.js'))).toBe('zero-app');
  });
});

describe('heap profiles and snapshots that are not files', () => {
  it('readHeapProfile and checkSnapshotFile refuse a FIFO and /dev/zero', () => {
    const fifo = mkfifo(path.join(folder('profiles'), 'f.heapprofile'));
    for (const file of [fifo, '/dev/zero']) {
      expect(() => readHeapProfile(file)).toThrow(`${file}: not a regular file`);
      expect(() => checkSnapshotFile(file)).toThrow(`${file}: not a regular file`);
    }
  });

  it('`leakscope profile FIFO` is one error line and exit 2', () => {
    const fifo = mkfifo(path.join(folder('profiles-cli'), 'f.heapprofile'));
    const result = runCli(['profile', fifo], { timeoutMs: 30_000 });
    expect(result.stderr).toBe(`leakscope: ${fifo}: not a regular file\n`);
    expect(result.status).toBe(2);
  });
});
