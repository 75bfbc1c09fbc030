// What every command shares: loading a snapshot with progress on stderr, option parsers that fail as
// usage errors, the checks on output paths, and the exit code an action reports.

import fs from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { NameMode } from '../snapshot/class-names.ts';
import { createStyle, type Style } from '../report/style.ts';
import { loadSnapshot } from '../snapshot/load.ts';
import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { sanitizeForTerminal } from '../report/sanitize.ts';
import { formatBytes } from '../report/format.ts';
import { checkOutputPath, STDOUT_PATH } from '../output/write-output.ts';
import { LeakscopeError } from '../errors.ts';
import { registerSourceMaps } from './source-maps.ts';

// Kept in a module of their own so main.ts can load without the snapshot reader (--version is fast).
export { commandAction, sanitizeLine, takeExitCode } from './action.ts';

/** Progress appears only on a TTY and only once reading has taken half a second (long work, not noise). */
const PROGRESS_DELAY_MS = 500;

export interface ProgressReporter {
  update(done: number, total: number, label: string): void;
  done(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  const started = performance.now();
  let shown = false;
  let lastDraw = 0;
  return {
    update(done, total, label) {
      if (!stream.isTTY) return;
      const now = performance.now();
      if (now - started < PROGRESS_DELAY_MS || now - lastDraw < 100) return;
      lastDraw = now;
      shown = true;
      const seconds = (now - started) / 1000;
      const rate = done / seconds;
      const percent = total > 0 ? Math.min(100, (done / total) * 100).toFixed(0) : '?';
      stream.write(`\r\x1b[2K${label} ${formatBytes(done)} / ${formatBytes(total)} (${percent}%, ${formatBytes(rate)}/s)`);
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}

/** Loads a snapshot for a command, with progress on stderr while it reads. */
export async function loadForCli(file: string): Promise<HeapGraph> {
  const progress = createProgress();
  try {
    const graph = await loadSnapshot(file, { onProgress: (read, total) => progress.update(read, total, `reading ${sanitizeForTerminal(file, 60)}`) });
    registerSourceMaps(graph);
    return graph;
  } finally {
    progress.done();
  }
}

/** Loads several snapshots; on a machine with spare cores the work could overlap, here it is sequential by design. */
export async function loadAllForCli(files: string[]): Promise<HeapGraph[]> {
  const graphs: HeapGraph[] = [];
  for (const file of files) graphs.push(await loadForCli(file));
  return graphs;
}

export function parseNonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number ≥ 0');
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('number too large');
  return n;
}

export function parsePositiveInt(value: string): number {
  const n = parseNonNegativeInt(value);
  if (n === 0) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

/** `@123` or `123`: snapshot ids as DevTools shows them. */
export function parseNodeId(value: string): number {
  const text = value.trim().replace(/^@/, '');
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) throw new InvalidArgumentError('expected a snapshot object id like @12345');
  return Number(text);
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** An output flag as given: its name for messages, and its value (undefined when absent). */
export type OutputFlag = [flag: string, path: string | undefined];

/**
 * Refuses, before any work, output paths that would destroy data or cannot be written: an input
 * file (the same device and inode, however it is spelled or linked), two outputs that are one file,
 * `-` when standard output already carries something (`stdoutCarries` says what; null when it is
 * free), and whatever writeOutput would refuse (a directory, a read-only file, a missing folder).
 */
export function checkOutputPaths(outputs: OutputFlag[], inputs: (string | undefined)[], stdoutCarries: string | null): void {
  const inputIdentities = new Map<string, string>();
  for (const input of inputs) {
    const identity = input === undefined ? undefined : fileIdentity(input);
    if (identity !== undefined) inputIdentities.set(identity, input!);
  }
  const seen = new Map<string, string>();
  for (const [flag, file] of outputs) {
    if (file === undefined) continue;
    if (file === STDOUT_PATH && stdoutCarries !== null) {
      throw new LeakscopeError(`${flag} -: standard output already carries ${stdoutCarries}; give a file name`);
    }
    const target = checkOutputPath(file);
    const identity = file === STDOUT_PATH ? STDOUT_PATH : fileIdentity(target) ?? target;
    const input = inputIdentities.get(identity);
    if (input !== undefined) throw new LeakscopeError(`${flag} ${file}: that is the input ${input}; leakscope never overwrites its input`);
    const other = seen.get(identity);
    if (other !== undefined) throw new LeakscopeError(`${other} and ${flag} name the same file, ${file}`);
    seen.set(identity, flag);
  }
}

/** Device and inode of an existing file (symlinks followed), the one name every spelling of it shares. */
function fileIdentity(file: string): string | undefined {
  try {
    const stat = fs.statSync(file, { bigint: true });
    return `${stat.dev}:${stat.ino}`;
  } catch {
    return undefined; // missing or unreadable: reading or writing it reports that
  }
}

export function writeOut(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** `--names` and `--raw-sizes`: how objects are grouped and sized, shared by every class report. */
export function addClassOptions(command: Command): Command {
  return command
    .addOption(new Option('--names <mode>', 'class names: devtools (as Chrome DevTools groups them) or raw (V8 constructor names)').choices(['devtools', 'raw']).default('devtools'))
    .option('--raw-sizes', "use V8's self sizes instead of DevTools' (which move internal arrays' bytes to their owner)");
}

export interface ClassOptions {
  names: NameMode;
  rawSizes?: boolean;
}

/** Styles stdout: colour only on a TTY and never with NO_COLOR. */
export function stdoutStyle(): Style {
  return createStyle({ stream: process.stdout });
}
