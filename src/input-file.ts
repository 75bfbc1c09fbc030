// Opening the files leakscope reads, in one place: snapshots, heap profiles, source maps, scripts
// and package.json files. Any of them can be a FIFO (open would wait for a writer forever) or a
// device like /dev/zero (endless bytes), so every file is opened with O_NONBLOCK and checked with
// fstat on the OPEN descriptor (a stat of the path before opening could describe another file), and
// no more than a stated number of bytes is ever read.

import fs from 'node:fs';
import { LeakscopeError } from './errors.ts';

/** O_NONBLOCK makes open return at once on a FIFO; it changes nothing for regular files (absent on Windows). */
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

export interface OpenFile {
  fd: number;
  size: number;
}

/**
 * Opens a regular file for reading, or throws the LeakscopeError saying why not: `no such file`,
 * `permission denied`, `is a directory, not <what>`, `not a regular file`. The caller closes `fd`.
 */
export function openRegularFile(file: string, what: string): OpenFile {
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LeakscopeError(`${file}: no such file`);
    if (code === 'EACCES') throw new LeakscopeError(`${file}: permission denied`);
    if (code === 'EISDIR') throw new LeakscopeError(`${file}: is a directory, not ${what}`);
    throw new LeakscopeError(`${file}: cannot read (${code ?? String(error)})`);
  }
  const stat = fs.fstatSync(fd);
  if (stat.isFile()) return { fd, size: stat.size };
  fs.closeSync(fd);
  if (stat.isDirectory()) throw new LeakscopeError(`${file}: is a directory, not ${what}`);
  throw new LeakscopeError(`${file}: not a regular file`);
}

/** Reads up to `length` bytes at `position`; fewer when the file shrank meanwhile. */
export function readAt(fd: number, length: number, position: number): Buffer {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const read = fs.readSync(fd, buffer, filled, length - filled, position + filled);
    if (read === 0) break;
    filled += read;
  }
  return filled === length ? buffer : buffer.subarray(0, filled);
}

/**
 * For optional inputs (source maps, scripts' last lines, package.json): the bytes of a regular
 * file, or null when it is missing, unreadable or not a regular file. `whole` gives null for a file
 * over `maxBytes`; `head` and `tail` read at most `maxBytes` from its start or end. Never throws.
 */
export function readOptionalFile(file: string, maxBytes: number, part: 'whole' | 'head' | 'tail' = 'whole'): Buffer | null {
  let opened: OpenFile;
  try {
    opened = openRegularFile(file, 'a file');
  } catch {
    return null;
  }
  try {
    if (part === 'whole' && opened.size > maxBytes) return null;
    const length = Math.min(opened.size, maxBytes);
    return readAt(opened.fd, length, part === 'tail' ? opened.size - length : 0);
  } catch {
    return null;
  } finally {
    fs.closeSync(opened.fd);
  }
}
