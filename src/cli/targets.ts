// Choosing the objects a command is about: `--id @123` or `--class NAME` (the instance nearest a
// root, ties by larger retained size), with errors in one line that name the snapshot. Also the
// shared `--dot FILE` / `--svg FILE` writer.

import { Option, type Command } from 'commander';
import { LeakscopeError } from '../errors.ts';
import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { membersOfClass } from '../analysis/histogram.ts';
import { resolveClassName } from '../analysis/class-lookup.ts';
import { rankNearestFirst } from '../analysis/paths.ts';
import { renderDot, type DotGraph } from '../report/dot.ts';
import { renderSvg } from '../report/svg.ts';
import { describeOutputPath, writeOutput } from '../output/write-output.ts';
import { sanitizeForTerminal } from '../report/sanitize.ts';
import type { ClassOptions } from './io.ts';

export interface ClassNameOptions {
  class?: string;
  /** `--type`, the name `--class` had before: still accepted, no longer shown in --help. */
  type?: string;
}

export interface TargetOptions extends ClassOptions, ClassNameOptions {
  id?: number;
}

/** Adds `-c, --class NAME` and its hidden old name `-t, --type NAME`. */
export function addClassNameOption(command: Command, description: string): Command {
  return command
    .option('-c, --class <name>', description)
    .addOption(new Option('-t, --type <name>', 'old name of --class').hideHelp());
}

/** The class `--class` (or `--type`) names, or undefined; both at once is a usage error. */
export function classNameOf(options: ClassNameOptions): string | undefined {
  if (options.class !== undefined && options.type !== undefined) throw new LeakscopeError('give --class once (--type is its old name)');
  return options.class ?? options.type;
}

/** `--class`, required (count, list): rejected before the (slow) snapshot load. */
export function requiredClassName(options: ClassNameOptions): string {
  const name = classNameOf(options);
  if (name === undefined) throw new LeakscopeError('say which class: --class NAME (see --help)');
  return name;
}

/** Rejects a missing or doubled target choice before the (slow) snapshot load. */
export function checkTargetOptions(options: TargetOptions): void {
  const className = classNameOf(options);
  if (className === undefined && options.id === undefined) throw new LeakscopeError('say which object: --class NAME or --id ID (see --help)');
  if (className !== undefined && options.id !== undefined) throw new LeakscopeError('give either --class or --id, not both');
}

/**
 * All members of `--class` (resolved as `count` does: any case when that names one class; an unknown
 * name is a usage error with the closest names), or throws "no object of class X in SNAP".
 */
export function membersOrThrow(graph: HeapGraph, file: string, options: TargetOptions): Uint32Array {
  const className = classNameOf(options)!;
  const members = membersOfClass(graph, resolveClassName(graph, className, options.names, file), options);
  if (members.length === 0) throw new LeakscopeError(`no object of class "${className}" in ${file} (see \`leakscope top\` for the class names)`);
  return members;
}

/** The ordinal of `--id`, or throws "no object @N in SNAP". */
export function ordinalOrThrow(graph: HeapGraph, file: string, id: number): number {
  const ordinal = graph.ordinalOfId(id);
  if (ordinal < 0) throw new LeakscopeError(`no object @${id} in ${file}`);
  return ordinal;
}

/** The `count` objects of `--class` to explain first (rankNearestFirst), or the one `--id`. */
export function resolveTargets(graph: HeapGraph, file: string, options: TargetOptions, count = 1): number[] {
  if (options.id !== undefined) return [ordinalOrThrow(graph, file, options.id)];
  return rankNearestFirst(graph, membersOrThrow(graph, file, options), count);
}

/** Writes DOT (or SVG rendered from it) and says so on stderr. */
export async function writeGraphFiles(dot: DotGraph, files: { dot?: string; svg?: string }): Promise<void> {
  const text = renderDot(dot);
  if (files.dot !== undefined) {
    await writeOutput(files.dot, text);
    process.stderr.write(`leakscope: wrote ${sanitizeForTerminal(describeOutputPath(files.dot), 200)} (DOT, ${dot.nodes.length} nodes)\n`);
  }
  if (files.svg !== undefined) {
    await writeOutput(files.svg, await renderSvg(text));
    process.stderr.write(`leakscope: wrote ${sanitizeForTerminal(describeOutputPath(files.svg), 200)} (SVG, ${dot.nodes.length} nodes)\n`);
  }
}
