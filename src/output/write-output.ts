// Every file leakscope writes (`--output`, `--dot`, `--svg`, `demo --out`, captured snapshots) goes
// through here, so that writing never destroys data:
//   - a regular file, or a new one, is replaced atomically: a temp file in the same folder (a rename
//     is only atomic within one file system), fsync, rename. A reader, or a rerun after a crash, sees
//     the old file or the new one, never half of one. The temp file is removed on every exit path,
//     Ctrl-C and SIGTERM included (a clean-up registered with children.ts).
//   - a symlink is written through: its target gets the new content and the link stays a link.
//   - a FIFO, a character device or any other non-regular file is opened and written in place: a
//     rename would put a regular file where the pipe or device node was.
//   - a replaced file keeps its mode (and its owner, where we may set it); a new file gets 0644 for
//     a report and 0600 for a snapshot (a heap holds the program's secrets), as Node's writers do.
//   - a read-only file is refused. Checked on the mode bits, not left to EACCES: root gets no EACCES,
//     and a rename needs only a writable folder, so the temp-and-rename would replace it anyway.
//   - `-` is standard output.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { registerCleanup } from '../capture/children.ts';
import { LeakscopeError } from '../errors.ts';

/** The output path that means standard output. */
export const STDOUT_PATH = '-';
export const REPORT_FILE_MODE = 0o644;
export const SNAPSHOT_FILE_MODE = 0o600;

/** Linux's own limit on the symlinks one path lookup follows. */
const MAX_SYMLINK_HOPS = 40;

/** How a path will be written, decided before a byte is. */
type OutputPlan =
  | { kind: 'in-place'; file: string }
  | { kind: 'replace'; file: string; mode: number; existing: fs.Stats | undefined };

/** The path as the user wrote it, for messages. */
export function describeOutputPath(file: string): string {
  return file === STDOUT_PATH ? 'standard output' : file;
}

function writeError(file: string, reason: unknown): LeakscopeError {
  const text = typeof reason === 'string' ? reason : (reason as NodeJS.ErrnoException).code ?? (reason as Error).message;
  return new LeakscopeError(`cannot write ${describeOutputPath(file)}: ${text}`);
}

/**
 * Follows `file`'s symlinks one hop at a time (so a dangling link leads to the file it names, which
 * is then created) and returns the file that will really be written, with its stat if it exists.
 */
function followLinks(file: string): { target: string; stat: fs.Stats | undefined } {
  let target = path.resolve(file);
  for (let hops = 0; ; hops++) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { target, stat: undefined };
      throw writeError(file, error);
    }
    if (!stat.isSymbolicLink()) return { target, stat };
    if (hops === MAX_SYMLINK_HOPS) throw writeError(file, 'too many levels of symbolic links');
    target = path.resolve(path.dirname(target), fs.readlinkSync(target));
  }
}

function isReadOnly(file: string, stat: fs.Stats): boolean {
  if ((stat.mode & 0o222) === 0) return true;
  try {
    fs.accessSync(file, fs.constants.W_OK);
    return false;
  } catch {
    return true; // another user's file, or a read-only file system
  }
}

/** Decides how `file` will be written, or throws the reason it must not be. No side effects. */
function planOutput(file: string, newFileMode: number): OutputPlan {
  const { target, stat } = followLinks(file);
  if (stat === undefined) {
    const folder = path.dirname(target);
    if (!fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory()) throw writeError(file, `no folder ${folder}`);
    return { kind: 'replace', file: target, mode: newFileMode, existing: undefined };
  }
  if (stat.isDirectory()) throw writeError(file, 'it is a directory');
  if (isReadOnly(target, stat)) {
    throw writeError(file, `it is read-only (mode ${(stat.mode & 0o7777).toString(8).padStart(4, '0')}); leakscope does not overwrite read-only files`);
  }
  if (!stat.isFile()) return { kind: 'in-place', file: target };
  return { kind: 'replace', file: target, mode: stat.mode & 0o7777, existing: stat };
}

/**
 * Throws the LeakscopeError that writing `file` would, without writing: a directory, a read-only
 * file, a missing folder, a symlink loop. Returns the file that would be written (symlinks followed).
 */
export function checkOutputPath(file: string): string {
  return file === STDOUT_PATH ? STDOUT_PATH : planOutput(file, REPORT_FILE_MODE).file;
}

/**
 * An output being written: write to `fd`, then commit (or discard). Synchronous on purpose: a heap
 * snapshot of the current process is streamed through this, and pending file-system promises would
 * be leakscope's own objects in the heap it measures (a FileHandle and its promises per snapshot).
 */
export interface OutputFile {
  /** Write with fs.writeSync(fd, …). */
  readonly fd: number;
  /** Makes what was written the file's content (fsync and rename; for a FIFO or device, close). */
  commit(): void;
  /** Gives up: closes, and removes the temp file (a FIFO or device keeps what it was sent). */
  discard(): void;
}

/**
 * Opens `file` for writing as the rules above say; `newFileMode` applies only if it does not exist.
 * Errors, here and in commit, are LeakscopeErrors naming the path.
 */
export function openOutputFile(file: string, newFileMode: number): OutputFile {
  if (file === STDOUT_PATH) throw writeError(file, 'not a file');
  const plan = planOutput(file, newFileMode);
  return plan.kind === 'in-place' ? openInPlace(file, plan.file) : openReplacement(file, plan);
}

function openInPlace(file: string, target: string): OutputFile {
  let fd: number;
  try {
    // No O_CREAT or O_TRUNC: this is a pipe or a device; O_NOCTTY: a terminal must not become ours.
    fd = fs.openSync(target, fs.constants.O_WRONLY | fs.constants.O_NOCTTY);
  } catch (error) {
    throw writeError(file, error);
  }
  let isClosed = false;
  const close = () => {
    if (isClosed) return;
    isClosed = true;
    fs.closeSync(fd);
  };
  return {
    fd,
    commit: () => {
      try {
        close();
      } catch (error) {
        throw writeError(file, error);
      }
    },
    discard: () => {
      try { close(); } catch { /* gone already */ }
    },
  };
}

/** A temp name beside `target`, recognisable by removeTempFilesOf as this process's. */
function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

function openReplacement(file: string, plan: Extract<OutputPlan, { kind: 'replace' }>): OutputFile {
  const temp = tempPathFor(plan.file);
  // Registered before the file exists: a signal at any later moment finds the clean-up in place.
  const unregister = registerCleanup(() => fs.rmSync(temp, { force: true }));
  let fd: number | undefined;
  let isFinished = false;
  const abandon = () => {
    if (isFinished) return;
    isFinished = true;
    if (fd !== undefined) try { fs.closeSync(fd); } catch { /* closed already */ }
    fs.rmSync(temp, { force: true });
    unregister();
  };
  try {
    fd = fs.openSync(temp, 'wx', plan.mode);
    if (plan.existing !== undefined) {
      // The umask narrowed the mode open() applied; a replaced file keeps exactly the mode it had.
      fs.fchmodSync(fd, plan.mode);
      const { uid, gid } = plan.existing;
      if (uid !== process.getuid?.() || gid !== process.getgid?.()) {
        try { fs.fchownSync(fd, uid, gid); } catch { /* not ours to give away: keep our own */ }
      }
    }
  } catch (error) {
    abandon();
    throw writeError(file, error);
  }
  const opened = fd;
  return {
    fd: opened,
    commit() {
      if (isFinished) return;
      try {
        fs.fsyncSync(opened);
        fs.closeSync(opened);
        fd = undefined;
        fs.renameSync(temp, plan.file);
      } catch (error) {
        abandon();
        throw writeError(file, error);
      }
      isFinished = true;
      unregister();
    },
    discard: abandon,
  };
}

/** Writes all of `data` to `file` (`-`: standard output), by the rules at the top of this file. */
export async function writeOutput(file: string, data: string | Uint8Array, newFileMode = REPORT_FILE_MODE): Promise<void> {
  if (file === STDOUT_PATH) {
    await new Promise<void>((resolve, reject) => {
      process.stdout.write(data, (error) => (error ? reject(writeError(file, error)) : resolve()));
    });
    return;
  }
  const output = openOutputFile(file, newFileMode);
  try {
    writeAll(output.fd, data);
  } catch (error) {
    output.discard();
    throw writeError(file, error);
  }
  output.commit();
}

/** fs.writeSync may write less than asked (a pipe): loop until all of `data` is out. */
function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let offset = 0;
  while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
}

/**
 * Removes the temp files process `pid` left in `folder` (a child killed mid-write cannot clean up
 * after itself). Best effort: a file that cannot be listed or removed is left.
 */
export function removeTempFilesOf(folder: string, pid: number): void {
  const pattern = new RegExp(`^\\..*\\.${pid}\\.[0-9a-f]{12}\\.tmp$`);
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) if (pattern.test(name)) fs.rmSync(path.join(folder, name), { force: true });
}
