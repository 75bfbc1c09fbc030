import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeakscopeError } from '../../src/errors.ts';
import {
  checkOutputPath, openOutputFile, removeTempFilesOf, REPORT_FILE_MODE, SNAPSHOT_FILE_MODE, writeOutput,
} from '../../src/output/write-output.ts';
import { PROJECT_ROOT } from '../helpers/cli.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'leakscope-write-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const modeOf = (path: string) => statSync(path).mode & 0o7777;

function mkfifo(path: string): void {
  const result = spawnSync('mkfifo', [path]);
  if (result.status !== 0) throw new Error(`mkfifo failed: ${result.stderr}`);
}

/** Starts `cat FIFO` and resolves to everything it read once the writer closes. */
function readFifo(path: string): Promise<string> {
  const cat = spawn('cat', [path], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  cat.stdout.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; });
  return new Promise((resolve, reject) => {
    cat.once('error', reject);
    cat.once('close', () => resolve(text));
  });
}

describe('writeOutput', () => {
  it('writes a new file (mode 0644 less the umask) and leaves no temp file behind', async () => {
    const path = join(dir, 'report.json');
    await writeOutput(path, '{}\n');
    expect(readFileSync(path, 'utf8')).toBe('{}\n');
    expect(readdirSync(dir)).toEqual(['report.json']);
    expect(modeOf(path)).toBe(REPORT_FILE_MODE & ~process.umask());
  });

  it('gives a new snapshot mode 0600', async () => {
    const path = join(dir, 'a.heapsnapshot');
    await writeOutput(path, '{}', SNAPSHOT_FILE_MODE);
    expect(modeOf(path)).toBe(0o600);
  });

  it('replaces an existing file and accepts bytes', async () => {
    const path = join(dir, 'graph.svg');
    writeFileSync(path, 'old');
    await writeOutput(path, new Uint8Array([0x3c, 0x73, 0x76, 0x67, 0x3e]));
    expect(readFileSync(path, 'utf8')).toBe('<svg>');
    expect(readdirSync(dir)).toEqual(['graph.svg']);
  });

  it.each([0o600, 0o640, 0o666])('keeps the mode of a file it replaces (%o), whatever the umask', async (mode) => {
    const path = join(dir, 'report.md');
    writeFileSync(path, 'old');
    chmodSync(path, mode);
    const before = statSync(path).ino;
    await writeOutput(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(statSync(path).ino).not.toBe(before); // replaced by rename, not rewritten in place
    expect(modeOf(path)).toBe(mode);
  });

  it('keeps an existing snapshot 0600 rather than applying the new-file mode', async () => {
    const path = join(dir, 's.heapsnapshot');
    writeFileSync(path, 'old', { mode: 0o600 });
    await writeOutput(path, 'new', REPORT_FILE_MODE);
    expect(modeOf(path)).toBe(0o600);
  });

  it('refuses a read-only (0444) file, even as root, and leaves it unchanged', async () => {
    const path = join(dir, 'keep.txt');
    writeFileSync(path, 'precious');
    chmodSync(path, 0o444);
    await expect(writeOutput(path, 'x')).rejects.toThrow(LeakscopeError);
    await expect(writeOutput(path, 'x')).rejects.toThrow(`cannot write ${path}: it is read-only (mode 0444); leakscope does not overwrite read-only files`);
    expect(readFileSync(path, 'utf8')).toBe('precious');
    expect(readdirSync(dir)).toEqual(['keep.txt']);
  });

  it('writes through a symlink: the link stays a link, its target gets the content and keeps its mode', async () => {
    mkdirSync(join(dir, 'real'));
    const target = join(dir, 'real', 'report.txt');
    writeFileSync(target, 'old');
    chmodSync(target, 0o600);
    const link = join(dir, 'link.txt');
    symlinkSync('real/report.txt', link); // relative, as ln -s usually makes them
    await writeOutput(link, 'new');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('real/report.txt');
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(modeOf(target)).toBe(0o600);
    expect(readdirSync(join(dir, 'real'))).toEqual(['report.txt']);
  });

  it('writes through a chain of links, and a dangling link creates the file it names', async () => {
    const target = join(dir, 'made.txt');
    symlinkSync(target, join(dir, 'first'));
    symlinkSync(join(dir, 'first'), join(dir, 'second'));
    await writeOutput(join(dir, 'second'), 'hello');
    expect(readFileSync(target, 'utf8')).toBe('hello');
    expect(lstatSync(join(dir, 'second')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(dir, 'first')).isSymbolicLink()).toBe(true);
  });

  it('refuses a symlink loop', async () => {
    symlinkSync(join(dir, 'b'), join(dir, 'a'));
    symlinkSync(join(dir, 'a'), join(dir, 'b'));
    await expect(writeOutput(join(dir, 'a'), 'x')).rejects.toThrow('too many levels of symbolic links');
  });

  it('writes to a FIFO in place: a reader gets the data and the FIFO stays a FIFO', async () => {
    const fifo = join(dir, 'pipe');
    mkfifo(fifo);
    const read = readFifo(fifo);
    await writeOutput(fifo, 'through the pipe\n');
    expect(await read).toBe('through the pipe\n');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['pipe']);
  });

  it('writes to a character device in place (/dev/null, through a link so no temp file could hide in /dev)', async () => {
    const link = join(dir, 'null');
    symlinkSync('/dev/null', link);
    const devBefore = readdirSync('/dev').sort();
    await writeOutput(link, 'discarded');
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(readdirSync('/dev').sort()).toEqual(devBefore);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it('throws a LeakscopeError naming the path when the folder is missing', async () => {
    const path = join(dir, 'missing', 'out.dot');
    await expect(writeOutput(path, 'x')).rejects.toThrow(LeakscopeError);
    await expect(writeOutput(path, 'x')).rejects.toThrow(`cannot write ${path}: no folder ${join(dir, 'missing')}`);
  });

  it('refuses a directory', async () => {
    await expect(writeOutput(dir, 'x')).rejects.toThrow(`cannot write ${dir}: it is a directory`);
  });
});

describe('openOutputFile', () => {
  it('cleans up the temp file when the rename fails', async () => {
    const path = join(dir, 'taken');
    const output = openOutputFile(path, REPORT_FILE_MODE);
    fs.writeSync(output.fd, 'x');
    // A non-empty directory appearing at the target makes the rename fail after the write.
    mkdirSync(join(path, 'inner'), { recursive: true });
    expect(() => output.commit()).toThrow(LeakscopeError);
    expect(readdirSync(dir)).toEqual(['taken']);
  });

  it('discard removes the temp file and leaves the existing file as it was', async () => {
    const path = join(dir, 'report.txt');
    writeFileSync(path, 'old');
    const output = openOutputFile(path, REPORT_FILE_MODE);
    fs.writeSync(output.fd, 'half a rep');
    expect(readdirSync(dir)).toHaveLength(2);
    output.discard();
    expect(readdirSync(dir)).toEqual(['report.txt']);
    expect(readFileSync(path, 'utf8')).toBe('old');
  });

  it('removes the temp file when the process gets SIGTERM mid-write, and still dies of SIGTERM', async () => {
    const path = join(dir, 'report.txt');
    writeFileSync(path, 'old');
    const script = join(dir, 'writer.mts');
    writeFileSync(script, `
      import fs from 'node:fs';
      import { openOutputFile } from ${JSON.stringify(join(PROJECT_ROOT, 'src/output/write-output.ts'))};
      const output = openOutputFile(${JSON.stringify(path)}, 0o644);
      fs.writeSync(output.fd, 'half a report');
      console.log('writing');
      setInterval(() => {}, 1000);
    `);
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/run-ts.js'), script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => child.stdout!.once('data', resolve));
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toHaveLength(1);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
    expect(readdirSync(dir).sort()).toEqual(['report.txt', 'writer.mts']);
    expect(readFileSync(path, 'utf8')).toBe('old');
  });
});

describe('checkOutputPath', () => {
  it('returns the file that would be written, links followed; - is standard output', () => {
    writeFileSync(join(dir, 'real'), '');
    symlinkSync('real', join(dir, 'link'));
    expect(checkOutputPath(join(dir, 'link'))).toBe(join(dir, 'real'));
    expect(checkOutputPath(join(dir, 'new.txt'))).toBe(join(dir, 'new.txt'));
    expect(checkOutputPath('-')).toBe('-');
  });

  it('throws what writing would, without writing', () => {
    const readOnly = join(dir, 'ro');
    writeFileSync(readOnly, 'x', { mode: 0o444 });
    expect(() => checkOutputPath(readOnly)).toThrow('read-only');
    expect(() => checkOutputPath(dir)).toThrow('it is a directory');
    expect(() => checkOutputPath(join(dir, 'no', 'x'))).toThrow('no folder');
    expect(readdirSync(dir)).toEqual(['ro']);
  });
});

describe('removeTempFilesOf', () => {
  it("removes only that process's temp files", () => {
    const names = ['.a.heapsnapshot.4242.0123456789ab.tmp', '.a.heapsnapshot.4243.0123456789ab.tmp', 'a.heapsnapshot', '.x.4242.tmp'];
    for (const name of names) writeFileSync(join(dir, name), '');
    removeTempFilesOf(dir, 4242);
    expect(readdirSync(dir).sort()).toEqual(names.slice(1).sort());
  });
});
