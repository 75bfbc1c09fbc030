// `leakscope profile` output: allocation sites, heaviest stacks and growth across profiles, as text,
// JSON and a DOT call tree. Data in (src/analysis/heap-profile.ts), text out.
//
// Positions are shown 1-based (`file:line:col`, as editors and DevTools show them) though the profile
// stores them 0-based, in the format allocation stacks of snapshots use (report/allocation-sites.ts).

import type { CallFrame, HeapProfile } from '../snapshot/heap-profile.ts';
import { stackFrames, type HeapProfileSummaryResult, type ProfileGrowthResult } from '../analysis/heap-profile.ts';
import { formatBytes, formatCount, formatDelta } from './format.ts';
import { sanitizeForTerminal } from './sanitize.ts';
import { renderTable } from './table.ts';
import { PLAIN_STYLE, type Style } from './style.ts';
import type { DotEdge, DotGraph, DotNode } from './dot.ts';
import { formatFrameText, formatFunctionName, formatSourceLocation, type FrameJson } from './allocation-sites.ts';
import { displayPath } from '../analysis/source-locations.ts';
import { upToLimit } from './limit.ts';

/** Frames shown per stack in text; the rest are counted. Deep enough to reach user code under a framework or two. */
const STACK_FRAMES_SHOWN = 8;

export interface ProfileReportOptions {
  /** Rows of the site table and stacks shown; 0 shows all. */
  limit: number;
  /** Paths inside this folder are shown relative to it. */
  baseDir?: string;
  style?: Style;
}

export function frameToJson(frame: CallFrame): FrameJson {
  return {
    functionName: frame.functionName,
    url: frame.url,
    line: frame.lineNumber < 0 ? null : frame.lineNumber + 1,
    column: frame.columnNumber < 0 ? null : frame.columnNumber + 1,
  };
}

/** `src/app.js:12:5` for a profile's frame (positions stored 0-based, -1 unknown). */
export function frameLocation(frame: CallFrame, baseDir?: string): string {
  return formatSourceLocation(displayPath(frame.url), frame.lineNumber + 1, frame.columnNumber + 1, baseDir);
}

function percent(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '−';
}

// ---------------------------------------------------------------------------------------------
// JSON

export interface ProfileJsonInput {
  profiles: HeapProfile[];
  /** Summary of the last profile. */
  summary: HeapProfileSummaryResult;
  growth: ProfileGrowthResult | null;
  limit: number;
}

export function buildProfileJson({ profiles, summary, growth, limit }: ProfileJsonInput) {
  const last = profiles[profiles.length - 1];
  const stackNodes = upToLimit(Array.from(summary.stackNodes), limit);
  return {
    profiles: profiles.map((p) => ({ file: p.file, totalSize: p.totalSize, sampleCount: p.sampleTotal, nodeCount: p.nodeCount })),
    sites: upToLimit(summary.sites, limit).map((s) => ({ ...frameToJson(s.site), selfSize: s.selfSize, totalSize: s.totalSize, samples: s.samples })),
    siteCount: summary.sites.length,
    stacks: stackNodes.map((n) => ({ selfSize: last.selfSize[n], samples: last.sampleCount[n], frames: stackFrames(last, n).map(frameToJson) })),
    stackCount: summary.stackNodes.length,
    growth: growth === null ? null : {
      totalSizes: growth.totalSizes,
      sites: upToLimit(growth.sites, limit).map((g) => ({ ...frameToJson(g.site), selfSizes: g.selfSizes, delta: g.delta })),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Text

export function renderProfileText(input: ProfileJsonInput, options: ProfileReportOptions): string {
  const { profiles, summary, growth } = input;
  const { limit, baseDir } = options;
  const style = options.style ?? PLAIN_STYLE;
  const last = profiles[profiles.length - 1];
  const out: string[] = [];
  const more = (total: number, shown: number, noun: string) => {
    if (total > shown) out.push(style.dim(`… ${formatCount(total - shown)} more ${noun} (--limit 0 shows all)`));
  };

  if (growth !== null) {
    out.push(style.bold(`Growth over ${profiles.length} profiles: live sampled bytes ${growth.totalSizes.map(formatBytes).join(' → ')}`));
    if (growth.sites.length === 0) {
      out.push('No allocation site changed.');
    } else {
      const shown = upToLimit(growth.sites, limit);
      out.push(renderTable({
        head: ['Function', 'Location', 'Self size', 'Δ self size'],
        rows: shown.map((g) => [
          formatFunctionName(g.site.functionName),
          frameLocation(g.site, baseDir),
          g.selfSizes.map(formatBytes).join(' → '),
          { value: formatDelta(g.delta, formatBytes), style: g.delta > 0 ? 'yellow' : undefined },
        ]),
        align: ['left', 'left', 'right', 'right'],
        style,
        maxCellWidth: 70,
      }));
      more(growth.sites.length, shown.length, 'sites');
    }
    out.push('');
  }

  const name = sanitizeForTerminal(last.file, 80);
  out.push(style.bold(`Sampling heap profile ${name}: ${formatBytes(summary.totalSize)} live in ${formatCount(summary.sampleTotal)} samples, ${formatCount(summary.sites.length)} allocation sites`));
  out.push(style.dim('Sizes are sampled estimates of what was still alive when sampling stopped. Self: allocated by the function itself; total: with the functions it called.'));
  out.push('');
  const sites = upToLimit(summary.sites, limit);
  out.push(renderTable({
    head: ['Function', 'Location', 'Self size', 'Self %', 'Total size', 'Total %'],
    rows: sites.map((s) => [
      formatFunctionName(s.site.functionName),
      frameLocation(s.site, baseDir),
      formatBytes(s.selfSize),
      percent(s.selfSize, summary.totalSize),
      formatBytes(s.totalSize),
      percent(s.totalSize, summary.totalSize),
    ]),
    align: ['left', 'left', 'right', 'right', 'right', 'right'],
    style,
    maxCellWidth: 70,
  }));
  more(summary.sites.length, sites.length, 'sites');

  out.push('');
  out.push(style.bold('Heaviest stacks'));
  const stackNodes = upToLimit(Array.from(summary.stackNodes), limit);
  stackNodes.forEach((n, i) => {
    const frames = stackFrames(last, n);
    const [top, ...callers] = frames;
    out.push(`#${i + 1}  ${formatBytes(last.selfSize[n])} (${percent(last.selfSize[n], summary.totalSize)})  ${showFrame(top, baseDir)}`);
    for (const caller of callers.slice(0, STACK_FRAMES_SHOWN - 1)) out.push(style.dim(`      ← ${showFrame(caller, baseDir)}`));
    if (callers.length > STACK_FRAMES_SHOWN - 1) out.push(style.dim(`      … ${formatCount(callers.length - STACK_FRAMES_SHOWN + 1)} more frames`));
  });
  more(summary.stackNodes.length, stackNodes.length, 'stacks');
  return out.join('\n');
}

function showFrame(frame: CallFrame, baseDir?: string): string {
  return formatFrameText(frame.functionName, frameLocation(frame, baseDir));
}

// ---------------------------------------------------------------------------------------------
// DOT: the heaviest stacks as one call tree, allocating frames highlighted

/** Stacks one picture draws at most, whatever --limit says: beyond this Graphviz's layout is unreadable (and slow). */
export const MAX_DRAWN_STACKS = 100;

export function buildProfileDotGraph(profile: HeapProfile, summary: HeapProfileSummaryResult, limit: number, baseDir?: string): DotGraph {
  const chosen = Array.from(summary.stackNodes).slice(0, limit === 0 ? MAX_DRAWN_STACKS : Math.min(limit, MAX_DRAWN_STACKS));
  const isChosen = new Set(chosen);
  // Bytes of the chosen stacks under each node: what the picture shows, so the numbers add up.
  const shownBytes = new Map<number, number>();
  for (const leaf of chosen) for (let n = leaf; n >= 0; n = profile.parent[n]) shownBytes.set(n, (shownBytes.get(n) ?? 0) + profile.selfSize[leaf]);
  const nodes: DotNode[] = [];
  const edges: DotEdge[] = [];
  // Preorder keeps parents before children, so the file reads top-down.
  const members = [...shownBytes.keys()].sort((a, b) => a - b);
  for (const n of members) {
    const frame = profile.frames[profile.frame[n]];
    const where = frameLocation(frame, baseDir);
    const bytes = shownBytes.get(n)!;
    const label = [formatFunctionName(frame.functionName), ...(where === '' ? [] : [where]),
      isChosen.has(n) ? `${formatBytes(profile.selfSize[n])} allocated here` : `${formatBytes(bytes)} below`];
    nodes.push({ id: `n${n}`, label, highlight: isChosen.has(n), tooltip: `${formatFunctionName(frame.functionName)} ${where}` });
    if (profile.parent[n] >= 0) edges.push({ from: `n${profile.parent[n]}`, to: `n${n}` });
  }
  return { name: 'leakscope profile', rankdir: 'TB', nodes, edges };
}
