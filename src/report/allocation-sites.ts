// Where objects were allocated, as reports show it: `openSessions  app/sessions.js:30:22`, a stack as
// `openSessions app.js:30:22 ← handle app.js:12:3`, JSON frames, and the "by allocation site" table
// that growth prints. Data in (src/analysis/allocation-sites.ts), text out; the location format is
// the one `leakscope profile` uses.

import path from 'node:path';
import type { AllocationFrame, AllocationSiteGroupsResult, ClassAllocationSites } from '../analysis/allocation-sites.ts';
import { displayPath } from '../analysis/source-locations.ts';
import { formatBytes, formatCount } from './format.ts';
import { sanitizeForTerminal } from './sanitize.ts';
import { renderTable } from './table.ts';
import { PLAIN_STYLE, type Style } from './style.ts';

/** A frame in JSON, in profiles and snapshots alike: 1-based positions, null when unknown. */
export interface FrameJson {
  functionName: string;
  url: string;
  line: number | null;
  column: number | null;
}

/**
 * `src/app.js:12:5` from a script and 1-based positions (0 unknown), the one location format: the
 * script as given (callers pass displayPath(url) to show file URLs as paths), relative to `baseDir`
 * when inside it. Empty for V8's own frames, which have no script.
 */
export function formatSourceLocation(script: string, line: number, column: number, baseDir?: string): string {
  if (script === '') return '';
  let where = script;
  if (baseDir !== undefined && path.isAbsolute(where)) {
    const relative = path.relative(baseDir, where);
    if (relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)) where = relative;
  }
  if (line <= 0) return where;
  return `${where}:${line}${column <= 0 ? '' : `:${column}`}`;
}

/** `makeRecord`, or `(anonymous)` for a function without a name. */
export function formatFunctionName(name: string): string {
  return name === '' ? '(anonymous)' : name;
}

export function allocationFrameToJson(frame: AllocationFrame): FrameJson {
  return { functionName: frame.functionName, url: frame.scriptName, line: frame.line || null, column: frame.column || null };
}

/** One frame for a terminal: the function, two spaces, where it is (`where` from formatSourceLocation). */
export function formatFrameText(functionName: string, where: string): string {
  return `${sanitizeForTerminal(formatFunctionName(functionName), 60)}${where === '' ? '' : `  ${sanitizeForTerminal(where, 100)}`}`;
}

export function formatAllocationFrame(frame: AllocationFrame, baseDir?: string): string {
  return formatFrameText(frame.functionName, formatSourceLocation(displayPath(frame.scriptName), frame.line, frame.column, baseDir));
}

/** A stack on one line, the allocating function first: `f  a.js:3:1 ← g  a.js:9:1`. */
export function formatAllocationStack(frames: AllocationFrame[], baseDir?: string): string {
  return frames.map((frame) => formatAllocationFrame(frame, baseDir)).join(' ← ');
}

/** The "by allocation site" table: objects, bytes and where they were allocated. */
export function renderAllocationSitesTable(result: AllocationSiteGroupsResult, options: { limit: number; baseDir?: string; style?: Style; title: string }): string {
  const style = options.style ?? PLAIN_STYLE;
  const shown = options.limit === 0 ? result.groups : result.groups.slice(0, options.limit);
  const out = [style.bold(options.title)];
  out.push(renderTable({
    head: ['Count', 'Self size', 'Allocated in'],
    rows: shown.map((group) => [group.count, formatBytes(group.selfSize), formatAllocationStack(group.frames, options.baseDir)]),
    align: ['right', 'right', 'left'],
    style,
    maxCellWidth: 200,
  }));
  if (result.groups.length > shown.length) out.push(style.dim(`… ${formatCount(result.groups.length - shown.length)} more sites`));
  if (result.untracked > 0) out.push(style.dim(`${formatCount(result.untracked)} objects have no allocation stack (made before tracking started, or by V8 itself)`));
  return out.join('\n');
}

/** Growth's section: where each growing class's new objects were allocated. */
export function renderNewObjectsBySite(classes: ClassAllocationSites[], options: { baseDir?: string; style?: Style; sitesPerClass?: number } = {}): string {
  const style = options.style ?? PLAIN_STYLE;
  const perClass = options.sitesPerClass ?? 3;
  const rows: (string | number)[][] = [];
  for (const c of classes) {
    c.sites.groups.slice(0, perClass).forEach((group, k) => rows.push([k === 0 ? c.name : '', group.count, formatBytes(group.selfSize), formatAllocationStack(group.frames, options.baseDir)]));
    const hidden = c.sites.groups.length - perClass;
    if (hidden > 0) rows.push(['', '', '', `… ${formatCount(hidden)} more sites`]);
    if (c.sites.untracked > 0) rows.push(['', c.sites.untracked, '', '(no allocation stack: made before tracking started, or by V8 itself)']);
  }
  return [
    style.bold('New objects by allocation site (the snapshot carries allocation stacks)'),
    renderTable({ head: ['Class', 'New alive', 'Self size', 'Allocated in'], rows, align: ['left', 'right', 'right', 'left'], style, maxCellWidth: 200 }),
  ].join('\n');
}

/** `{"sites":[{"count","selfSize","frames":[…]}],"untracked"}` */
export function allocationSitesToJson(result: AllocationSiteGroupsResult) {
  return {
    sites: result.groups.map((g) => ({ count: g.count, selfSize: g.selfSize, frames: g.frames.map(allocationFrameToJson) })),
    untracked: result.untracked,
  };
}

/** `[{"class", "sites":[…], "untracked"}]`, growth's section. */
export function newObjectsBySiteToJson(classes: ClassAllocationSites[]) {
  return classes.map((c) => ({ class: c.name, ...allocationSitesToJson(c.sites) }));
}
