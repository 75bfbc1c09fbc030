// What every command shares: loading a snapshot with progress on stderr, option parsers that fail as
// usage errors, and the exit code an action reports.

import { InvalidArgumentError, Option, type Command } from 'commander';
import type { NameMode } from '../snapshot/class-names.ts';
import { createStyle, type Style } from '../report/style.ts';
import { loadSnapshot } from '../snapshot/load.ts';
import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { sanitizeForTerminal } from '../report/sanitize.ts';
import { formatBytes } from '../report/format.ts';

let pendingExitCode = 0;

/** Wraps a command action so its returned exit code reaches main(). */
export function commandAction<A extends unknown[]>(action: (...args: A) => Promise<number | void> | number | void) {
  return async (...args: A): Promise<void> => {
    const code = await action(...args);
    pendingExitCode = typeof code === 'number' ? code : 0;
  };
}

export function takeExitCode(): number {
  const code = pendingExitCode;
  pendingExitCode = 0;
  return code;
}

/** One line, safe for the terminal: heap text can carry escape sequences. */
export function sanitizeLine(text: string): string {
  return sanitizeForTerminal(text, 2000);
}

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
    return await loadSnapshot(file, { onProgress: (read, total) => progress.update(read, total, `reading ${sanitizeForTerminal(file, 60)}`) });
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
