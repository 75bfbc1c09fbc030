// Where objects were allocated, as reports show it: `openSessions  app/sessions.js:30:22`, a stack as
// `openSessions app.js:30:22 ← handle app.js:12:3`, JSON frames, and the "by allocation site" table
// that growth prints. Data in (src/analysis/allocation-sites.ts), text out; the location format is
// the one `leakscope profile` uses.

import path from 'node:path';
import type { AllocationFrame, AllocationSiteGroupsResult, ClassAllocationSites } from '../analysis/allocation-sites.ts';
import { displayPath, type SourceLocation } from '../analysis/source-locations.ts';
import { formatBytes, formatCount } from './format.ts';
import { ELLIPSIS, sanitizeForTerminal } from './sanitize.ts';
import { renderTable } from './table.ts';
import { PLAIN_STYLE, type Style } from './style.ts';
import { upToLimit } from './limit.ts';

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
  const where = relativeToBase(script, baseDir);
  if (line <= 0) return where;
  return `${where}:${line}${column <= 0 ? '' : `:${column}`}`;
}

/** An absolute path inside `baseDir` relative to it; any other path as given. */
export function relativeToBase(file: string, baseDir?: string): string {
  if (baseDir === undefined || !path.isAbsolute(file)) return file;
  const relative = path.relative(baseDir, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** `makeRecord`, or `(anonymous)` for a function without a name. */
export function formatFunctionName(name: string): string {
  return name === '' ? '(anonymous)' : name;
}

export function allocationFrameToJson(frame: AllocationFrame): FrameJson {
  return { functionName: frame.functionName, url: frame.scriptName, line: frame.line || null, column: frame.column || null };
}

/** Longest location shown; a longer one keeps its end, the `file:line:col` a reader needs. */
const MAX_LOCATION_CHARS = 100;

/** One frame for a terminal: the function, two spaces, where it is (`where` from formatSourceLocation). */
export function formatFrameText(functionName: string, where: string): string {
  const shown = [...sanitizeForTerminal(where, 10_000)];
  const location = shown.length <= MAX_LOCATION_CHARS ? shown.join('') : `${ELLIPSIS}${shown.slice(-(MAX_LOCATION_CHARS - 1)).join('')}`;
  return `${sanitizeForTerminal(formatFunctionName(functionName), 60)}${where === '' ? '' : `  ${location}`}`;
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
  const shown = upToLimit(result.groups, options.limit);
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

/** The title of growth's section, in every format that shows it. */
export const NEW_OBJECTS_BY_SITE_TITLE = 'New objects by allocation site';

/** One row of growth's section: a site of a class (named on its first row), the sites left out, or the untracked objects. */
export interface NewObjectsSiteRow {
  className: string;
  count: number | null;
  selfSize: number | null;
  /** The stack (formatAllocationStack), or what the row stands for. */
  where: string;
}

/** Growth's section as rows, for the text table and the Markdown one alike. */
export function newObjectsBySiteRows(classes: ClassAllocationSites[], options: { baseDir?: string; sitesPerClass?: number } = {}): NewObjectsSiteRow[] {
  const perClass = options.sitesPerClass ?? 3;
  const rows: NewObjectsSiteRow[] = [];
  for (const c of classes) {
    c.sites.groups.slice(0, perClass).forEach((group, k) => rows.push({ className: k === 0 ? c.name : '', count: group.count, selfSize: group.selfSize, where: formatAllocationStack(group.frames, options.baseDir) }));
    const hidden = c.sites.groups.length - perClass;
    if (hidden > 0) rows.push({ className: '', count: null, selfSize: null, where: `… ${formatCount(hidden)} more sites` });
    if (c.sites.untracked > 0) rows.push({ className: '', count: c.sites.untracked, selfSize: null, where: '(no allocation stack: made before tracking started, or by V8 itself)' });
  }
  return rows;
}

/** Growth's section: where each growing class's new objects were allocated. */
export function renderNewObjectsBySite(classes: ClassAllocationSites[], options: { baseDir?: string; style?: Style; sitesPerClass?: number } = {}): string {
  const style = options.style ?? PLAIN_STYLE;
  const rows = newObjectsBySiteRows(classes, options).map((row) => [row.className, row.count ?? '', row.selfSize === null ? '' : formatBytes(row.selfSize), row.where]);
  return [
    style.bold(`${NEW_OBJECTS_BY_SITE_TITLE} (the snapshot carries allocation stacks)`),
    renderTable({ head: ['Class', 'New alive', 'Self size', 'Allocated in'], rows, align: ['left', 'right', 'right', 'left'], style, maxCellWidth: 200 }),
  ].join('\n');
}

/**
 * `openSessions  app.js:3:21 ← main  app.js:40:1 (1,560 of 1,600 new; 2 more sites)`: where most of a
 * class's new objects were allocated, on one line for an annotation or a test failure; undefined
 * when the class has no tracked new objects.
 */
export function describeMainAllocationSite(sites: ClassAllocationSites, baseDir?: string): string | undefined {
  const [main, ...others] = sites.sites.groups;
  if (main === undefined) return undefined;
  const total = sites.sites.groups.reduce((n, g) => n + g.count, 0) + sites.sites.untracked;
  const more = others.length === 0 ? '' : `; ${formatCount(others.length)} more ${others.length === 1 ? 'site' : 'sites'}`;
  return `${formatAllocationStack(main.frames, baseDir)} (${formatCount(main.count)} of ${formatCount(total)} new${more})`;
}

/** The top frame of a class's main site as a source location (file path, 1-based line and column); undefined without one. */
export function mainAllocationLocation(sites: ClassAllocationSites): SourceLocation | undefined {
  const frame = sites.sites.groups[0]?.frames[0];
  if (frame === undefined || frame.line <= 0) return undefined;
  const file = displayPath(frame.scriptName);
  // Only a file on disk can carry an annotation: not node:internal/…, not V8's own frames.
  return path.isAbsolute(file) ? { file, line: frame.line, column: frame.column } : undefined;
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
