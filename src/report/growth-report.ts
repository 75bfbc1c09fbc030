// Reports for `leakscope growth`: one view model (growth result + gate verdict + what holds the new
// objects), rendered as JSON, as a compact text summary for terminals and CI logs, or as Markdown
// (./markdown.ts). Pure: data in, string out. The chains are found and grouped by the analysis
// (analysis/leak-chains.ts); nameLeakChains only writes their nodes and edges as names.

import type { ClassGrowth, GrowthResult } from '../analysis/growth.ts';
import type { GateResult, Violation } from '../analysis/growth-gate.ts';
import { HOLDER_KINDS } from '../analysis/holders.ts';
import { LEAK_CHAIN_LIMITS, rankGrowthClasses, type LeakChainGroup } from '../analysis/leak-chains.ts';
import type { SourceLocation } from '../analysis/source-locations.ts';
import type { ClassAllocationSites } from '../analysis/allocation-sites.ts';
import { formatBytes, formatCount, formatDelta } from './format.ts';
import { sanitizeForTerminal } from './sanitize.ts';
import { PLAIN_STYLE, type Style } from './style.ts';
import { renderTable, type TableCell } from './table.ts';
import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { formatElidedHops } from './retainers.ts';
import { describeNode, formatEdgeName } from './names.ts';
import { accumulationOfClass, accumulationPointToJson, describeAccumulationPoint, formatAccumulationPoint, nameAccumulationPoints, type AccumulationPointView } from './accumulation.ts';
import { computeClassIndex } from '../snapshot/class-names.ts';
import { upToLimit } from './limit.ts';

/** One hop of a retainer chain, root first: the node's class and the edge leaving it (null on the target). */
export interface RetainerStep {
  name: string;
  /** The edge as DevTools writes it: `.prop`, `[3]`, `->ctxvar`, `{internal}`. */
  edge: string | null;
}

/** The new members of one class that share one chain shape (`chain --all`). */
export interface RetainerGroup {
  count: number;
  retainedSize: number | null;
  steps: RetainerStep[];
  /** The chain starts at a transient root ((Stack roots), (Handle scope)): likely not a leak. */
  isTransient?: boolean;
  /** Where the innermost closure on the chain was defined, when known: the code that holds them. */
  location?: SourceLocation;
}

export interface GrowthReport {
  result: GrowthResult;
  gate: GateResult;
  /** --fail-on-growth: violations fail the run (exit 1). */
  failOnGrowth: boolean;
  /** Rows to show; 0 = all. */
  limit: number;
  minDelta: number;
  /** Grouped retainer chains of the new objects, by class key (only for the classes described). */
  retainers: Map<string, RetainerGroup[]>;
  /** Settings problems found against the snapshots (names that match no class), already worded. */
  warnings?: string[];
  /** The collections that grew at every step, named (report/accumulation.ts); absent with countsOnly. */
  accumulation?: AccumulationPointView[];
  /** Where the growing classes' new objects were allocated; absent when the last snapshot has no allocation stacks. */
  allocationSites?: ClassAllocationSites[];
  /** Source locations inside this folder are shown relative to it (the CLI's working directory). */
  baseDir?: string;
}

export function isGateFailed(report: GrowthReport): boolean {
  return report.failOnGrowth && report.gate.violations.length > 0;
}

/** The growing, gated classes a table shows (all of them with limit 0), and how many there are. */
export function growingRows(report: GrowthReport): { shown: ClassGrowth[]; total: number } {
  const growing = rankGrowthClasses(report.result, report.gate).filter((r) => r.growth.delta > 0 && r.verdict === 'watched').map((r) => r.growth);
  return { shown: upToLimit(growing, report.limit), total: growing.length };
}

/** `13 program, 2 transient`: what holds a class's new objects, zero kinds left out. */
export function formatHeldBy(c: ClassGrowth): string {
  if (c.heldBy === null) return '';
  const parts = HOLDER_KINDS.filter((kind) => c.heldBy![kind] > 0).map((kind) => `${formatCount(c.heldBy![kind])} ${kind}`);
  return parts.length === 0 ? '–' : parts.join(', ');
}

// ---------------------------------------------------------------------------------------------- JSON

/** The documented JSON shape (README): snapshots, classes, failed, violations; more fields may follow. */
export function growthToJson(report: GrowthReport): unknown {
  const { result } = report;
  return {
    snapshots: result.snapshots.map((s) => ({ file: s.file, nodeCount: s.nodeCount, totalSize: s.totalSize, maxObjectId: s.maxObjectId })),
    classes: upToLimit(rankGrowthClasses(report.result, report.gate), report.limit).map(({ growth: c, verdict }) => ({
      name: c.name,
      key: c.key,
      counts: c.counts,
      sizes: c.sizes,
      delta: c.delta,
      sizeDelta: c.sizeDelta,
      ...(c.retainedSizeDelta === null ? {} : { retainedSizes: c.retainedSizes, retainedSizeDelta: c.retainedSizeDelta }),
      newAlive: c.newAlive,
      newAliveSize: c.newAliveSize,
      heldBy: c.heldBy,
      ...(c.mainHolder === null ? {} : { mainHolder: c.mainHolder }),
      added: c.added,
      deleted: c.deleted,
      monotonic: c.monotonic,
      watched: verdict === 'watched',
      ...(verdict === 'watched' ? {} : { ignoredAs: verdict }),
      examples: c.examples,
      ...(report.retainers.has(c.key) ? { retainers: report.retainers.get(c.key) } : {}),
    })),
    totalSizeDelta: result.totalSizeDelta,
    names: result.names,
    countsOnly: result.countsOnly,
    failed: isGateFailed(report),
    accumulation: report.accumulation === undefined ? null : report.accumulation.map(accumulationPointToJson),
    violations: report.gate.violations.map((v) => {
      const point = report.accumulation === undefined ? undefined : accumulationOfClass(report.accumulation, v.key);
      return {
        name: v.name, key: v.key, delta: v.delta, heldByProgram: v.heldByProgram, limit: v.limit, rule: v.rule, explainedBy: v.explainedBy,
        accumulation: point === undefined ? null : { id: point.id, name: point.name, heldAs: point.heldAs },
      };
    }),
    warnings: report.warnings ?? [],
  };
}

// ---------------------------------------------------------------------------------------------- text

/** Counts series as `200 → 400 → 600`; long series keep the first two and the last two. */
export function formatSeries(counts: number[]): string {
  const shown = counts.length <= 5 ? counts.map(formatCount) : [...counts.slice(0, 2).map(formatCount), '…', ...counts.slice(-2).map(formatCount)];
  return shown.join(' → ');
}

export function formatExamples(ids: number[], max = 3): string {
  return ids.slice(0, max).map((id) => `@${id}`).join(' ');
}

/**
 * `global .requestLog → Array [3] → RequestContext`; long chains as `root → … N more hops … → last
 * hops` (LEAK_CHAIN_LIMITS). Steps made by nameLeakChains are already that short (a run of repeated hops is
 * one step, what is left out one step that says so) and are joined as they are.
 */
export function formatChain(steps: RetainerStep[]): string {
  const hop = (s: RetainerStep) => (s.edge === null ? s.name : `${s.name} ${s.edge}`);
  const { head, tail } = LEAK_CHAIN_LIMITS;
  if (steps.length <= head + tail + 1) return steps.map(hop).join(' → ');
  const shown = steps.slice(0, head).map(hop);
  shown.push(formatElidedHops(steps.length - head - tail));
  for (const s of steps.slice(-tail)) shown.push(hop(s));
  return shown.join(' → ');
}

export function describeViolation(v: Violation, minDelta: number): string {
  if (v.rule === 'threshold-bytes') return `${formatDelta(v.delta, formatBytes)} total self size, allowed ${formatBytes(v.limit)} (--threshold-bytes)`;
  const held = v.heldByProgram === null || v.heldByProgram === v.delta ? '' : `, ${formatCount(v.heldByProgram)} new ones held by the program`;
  if (v.explainedBy !== null) return `${formatDelta(v.delta)} objects${held}: held by the new ${v.explainedBy.name} objects, part of that leak`;
  const why = v.rule === 'min-delta' ? `grew at every step by ≥ --min-delta ${minDelta}` : `threshold ${v.limit}`;
  return `${formatDelta(v.delta)} objects${held}, allowed +${formatCount(v.limit)} (${why})`;
}

/** `AuditEntry +955 (holding (number) +955, (string) +959)`: a violation with what it explains. */
function describeLeak(v: Violation, explained: Violation[]): string {
  const own = `${v.name} ${formatDelta(v.delta, v.rule === 'threshold-bytes' ? formatBytes : formatCount)}`;
  const held = explained.filter((x) => x.explainedBy?.key === v.key);
  if (held.length === 0) return own;
  const shown = held.slice(0, 3).map((x) => `${x.name} ${formatDelta(x.delta)}`).join(', ');
  return `${own} (holding ${shown}${held.length > 3 ? `, +${held.length - 3} more` : ''})`;
}

/**
 * `AuditEntry +955 (holding (number) +955, (string) +959), Session +12`: the violations that lead,
 * each with the built-in classes it explains, at most `max` of them; and how many lead in all.
 */
export function describeLeaks(violations: Violation[], max = 3): { text: string; count: number } {
  const explained = violations.filter((v) => v.explainedBy !== null);
  const leads = violations.filter((v) => v.explainedBy === null);
  const more = leads.length > max ? `, +${leads.length - max} more` : '';
  return { text: leads.slice(0, max).map((v) => describeLeak(v, explained)).join(', ') + more, count: leads.length };
}

/**
 * The verdict in one line: what CI logs show first. Leads with the leak: built-in classes that a
 * violating named class holds are listed with it, not as separate findings.
 */
export function renderVerdictLine(report: GrowthReport): string {
  if (report.gate.violations.length === 0) return 'PASS  no class grew beyond its allowance';
  const bytes = report.gate.violations.find((v) => v.rule === 'threshold-bytes');
  const classes = report.gate.violations.filter((v) => v.rule !== 'threshold-bytes');
  const parts: string[] = [];
  if (classes.length > 0) {
    const { text, count } = describeLeaks(classes);
    parts.push(`${count} ${count === 1 ? 'class' : 'classes'} grew beyond the allowance: ${sanitizeForTerminal(text, 400)}`);
  }
  // The byte cap is about the gated classes together, not a class of its own.
  if (bytes) parts.push(`the gated classes' self size grew by ${formatDelta(bytes.delta, formatBytes)}, over --threshold-bytes ${formatBytes(bytes.limit)}`);
  const head = isGateFailed(report) ? 'FAIL' : 'GREW';
  return `${head}  ${parts.join('; ')}${isGateFailed(report) ? '' : ' (--fail-on-growth makes this fail)'}`;
}

export function renderGrowthText(report: GrowthReport, style: Style = PLAIN_STYLE): string {
  const { result } = report;
  const out: string[] = [];
  const count = result.snapshots.length;
  const provenance = result.countsOnly ? 'class counts only (--counts-only: ids not compared)' : 'one process (object ids agree)';
  out.push(style.bold(`Growth over ${count} snapshots, ${provenance}`));
  out.push(renderTable({
    head: ['#', 'Snapshot', 'Nodes', 'Total size'],
    rows: result.snapshots.map((s, i) => [i + 1, s.file, s.nodeCount, formatBytes(s.totalSize)]),
    align: ['right', 'left', 'right', 'right'],
    style,
    maxCellWidth: 70,
  }));
  out.push('');
  const points = report.accumulation ?? [];
  if (points.length > 0) {
    // The collection to fix comes first: the class table below says what it accumulates.
    out.push(style.bold('Growing collections (alive in every snapshot, more members at every step):'));
    for (const point of points) out.push(`  ${formatAccumulationPoint(point, formatSeries)}`);
    out.push('');
  }

  const rows = rankGrowthClasses(report.result, report.gate);
  const { shown, total: growingCount } = growingRows(report);
  const violating = new Set(report.gate.violations.map((v) => v.key));
  const hasRetained = result.classes.some((c) => c.retainedSizeDelta !== null);
  const isSeries = count > 2;
  if (shown.length === 0) {
    out.push('No class grew.');
  } else {
    const head = ['Class', 'Counts', 'Δ count', 'Δ self size'];
    if (hasRetained) head.push('Δ retained');
    if (!result.countsOnly) head.push('New alive', 'Held by', 'Examples');
    if (isSeries) head.push('Every step');
    const tableRows: TableCell[][] = shown.map((c) => {
      const mark = violating.has(c.key);
      const row: TableCell[] = [
        mark ? { value: c.name, style: ['bold', 'red'] } : c.name,
        formatSeries(c.counts),
        formatDelta(c.delta),
        formatDelta(c.sizeDelta, formatBytes),
      ];
      if (hasRetained) row.push(c.retainedSizeDelta === null ? '' : formatDelta(c.retainedSizeDelta, formatBytes));
      if (!result.countsOnly) row.push(formatCount(c.newAlive ?? 0), formatHeldBy(c), formatExamples(c.examples));
      if (isSeries) row.push(c.monotonic ? 'yes' : 'no');
      return row;
    });
    const align: ('left' | 'right')[] = ['left', 'right', 'right', 'right'];
    if (hasRetained) align.push('right');
    if (!result.countsOnly) align.push('right', 'left', 'left');
    if (isSeries) align.push('left');
    out.push(renderTable({ head, rows: tableRows, align, style, maxCellWidth: 48 }));
  }
  const notes: string[] = [];
  if (growingCount > shown.length) notes.push(`${formatCount(growingCount - shown.length)} more growing classes (--limit 0 shows all)`);
  const internal = rows.filter((r) => r.verdict === 'internal' && r.growth.delta > 0);
  if (internal.length > 0) notes.push(`V8 internals not gated: ${internal.map((r) => `${r.growth.name} ${formatDelta(r.growth.delta)}`).join(', ')} (--include-internals gates them)`);
  const ignored = rows.filter((r) => r.verdict === 'ignored' && r.growth.delta > 0);
  if (ignored.length > 0) notes.push(`ignored: ${ignored.map((r) => `${r.growth.name} ${formatDelta(r.growth.delta)}`).join(', ')}`);
  notes.push(`total size ${formatDelta(result.totalSizeDelta, formatBytes)}`);
  out.push(style.dim(sanitizeForTerminal(notes.join('; '), 1000)));

  for (const c of shown) {
    const groups = report.retainers.get(c.key);
    if (!groups || groups.length === 0) continue;
    out.push('');
    out.push(style.bold(`What holds the ${formatCount(c.newAlive ?? 0)} new ${sanitizeForTerminal(c.name, 60)} objects:`));
    for (const g of groups) {
      const size = g.retainedSize === null ? '' : `, ${formatBytes(g.retainedSize)}`;
      const transient = g.isTransient ? style.yellow(' (transient root: not a leak by itself)') : '';
      out.push(`  ${formatCount(g.count)}×${size}  ${sanitizeForTerminal(formatChain(g.steps), 300)}${transient}`);
    }
  }

  for (const warning of report.warnings ?? []) out.push(style.yellow(`warning: ${sanitizeForTerminal(warning, 400)}`));
  out.push('');
  if (report.gate.violations.length > 0) {
    const line = renderVerdictLine(report);
    out.push(isGateFailed(report) ? style.bold(style.red(line)) : style.yellow(line));
    for (const v of report.gate.violations) {
      out.push(`  ${sanitizeForTerminal(v.name, 60)}  ${describeViolation(v, report.minDelta)}`);
      const point = accumulationOfClass(points, v.key);
      if (point !== undefined) out.push(`    accumulating in ${describeAccumulationPoint(point)}`);
    }
  } else {
    out.push(style.green(renderVerdictLine(report)));
  }
  return out.join('\n');
}

/**
 * What the analysis found about the new objects, named for a report: their chains (nameLeakChains)
 * and the collections they accumulate in. The one step between analysis and GrowthReport for
 * `growth`, `run`, `demo` and measureGrowth, so the reports cannot drift apart.
 */
export function nameGrowthFindings(last: HeapGraph, result: GrowthResult, chains: Map<string, LeakChainGroup[]>): Pick<GrowthReport, 'retainers' | 'accumulation'> {
  return {
    retainers: nameLeakChains(last, chains),
    accumulation: result.accumulation === null ? undefined : nameAccumulationPoints(last, result.accumulation, computeClassIndex(last, result.names)),
  };
}

/**
 * The chains of findLeakChains written DevTools' way, by class key: each step a node's class and the
 * edge leaving it, a run of repeated hops (the new nodes of a linked list) as one step
 * `Link .next ×999,999 (each held by the previous one)`, what the cut left out as one step
 * `… N more hops …`.
 */
export function nameLeakChains(graph: HeapGraph, chains: Map<string, LeakChainGroup[]>): Map<string, RetainerGroup[]> {
  return new Map([...chains].map(([key, groups]) => [key, groups.map((g) => nameLeakChainGroup(graph, g))]));
}

function nameLeakChainGroup(graph: HeapGraph, group: LeakChainGroup): RetainerGroup {
  const { chain, location } = group;
  const steps: RetainerStep[] = [];
  chain.steps.forEach((step, i) => {
    // Each step names a node and the edge leaving it: a run is told by the node before it, which
    // leaves by the run's edge. A run right after the gap has no such node shown: it joins the gap.
    if (i === chain.elidedAt && chain.elidedHops > 0) steps.push({ name: formatElidedHops(chain.elidedHops + (step.hops > 1 ? step.hops : 0)), edge: null });
    const next = chain.steps[i + 1];
    const repeat = next !== undefined && next.hops > 1 && i + 1 !== chain.elidedAt ? ` ×${formatCount(next.hops)} (each held by the previous one)` : '';
    steps.push({ name: describeNode(graph, step.node), edge: step.edgeOut >= 0 ? formatEdgeName(graph, step.edgeOut) + repeat : null });
  });
  return { count: group.count, retainedSize: group.retainedSize, steps, isTransient: chain.transientRoot !== null, ...(location ? { location } : {}) };
}
