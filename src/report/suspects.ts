// The leak-suspects report (`leakscope suspects`): text and JSON from a SuspectsResult. MAT's wording,
// in leakscope's notation: each suspect with its share of the heap, where the memory accumulates and
// of what, what one accumulated object holds, and the chain of references (variable names) to it.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import type { LeakSuspect, SkippedHolder, SuspectsResult, SuspectPathStep } from '../analysis/suspects.ts';
import type { ChainViewResult } from '../analysis/paths.ts';
import { chainHopsToJson, formatElidedHops } from './retainers.ts';
import { describeNodeWithId, formatEdgeName } from './names.ts';
import { formatBytes, formatCount } from './format.ts';
import { sanitizeForTerminal } from './sanitize.ts';
import { PLAIN_STYLE, type Style } from './style.ts';

/** Classes listed per suspect in text; JSON lists them all. */
const TEXT_CLASS_ROWS = 5;

export interface SuspectsTextOptions {
  file: string;
  style?: Style;
}

const SKIP_REASONS: Record<SkippedHolder['reason'], string> = {
  'module-registry': "Node's module registry, as big as the code loaded",
};

export function renderSuspectsText(graph: HeapGraph, result: SuspectsResult, options: SuspectsTextOptions): string {
  const style = options.style ?? PLAIN_STYLE;
  const share = (bytes: number) => formatShare(bytes, result.totalSize);
  const file = sanitizeForTerminal(options.file, 200);
  const threshold = `${formatPercentValue(result.thresholdPercent)}%`;
  const lines: string[] = [];
  const count = result.suspects.length;
  if (count === 0) {
    lines.push(`No leak suspect in ${file}: no object or group of similar objects retains ${threshold} of the ${formatBytes(result.totalSize)} heap.`);
    if (result.largestOther >= 0) {
      const o = result.largestOther;
      lines.push(`The largest object that could be one, ${describeNodeWithId(graph, o)}, retains ${formatBytes(result.retainedSizes[o])} (${share(result.retainedSizes[o])}).`);
    }
  } else {
    lines.push(style.bold(`Leak suspects in ${file}: ${formatCount(count)} ${count === 1 ? 'suspect retains' : 'suspects retain'} ≥ ${threshold} of the ${formatBytes(result.totalSize)} heap`));
  }
  result.suspects.forEach((suspect, index) => {
    lines.push('');
    lines.push(...suspectLines(graph, result, suspect, index + 1, style));
  });
  if (result.skipped.length > 0) {
    lines.push('');
    lines.push(style.dim('Not counted (the runtime\'s own, not the program\'s):'));
    for (const skipped of result.skipped) {
      lines.push(style.dim(`  ${describeNodeWithId(graph, skipped.node)}, ${formatBytes(skipped.retainedSize)} (${share(skipped.retainedSize)}): ${SKIP_REASONS[skipped.reason]}`));
    }
  }
  return lines.join('\n');
}

function suspectLines(graph: HeapGraph, result: SuspectsResult, suspect: LeakSuspect, number: number, style: Style): string[] {
  const share = (bytes: number) => formatShare(bytes, result.totalSize);
  const retained = (o: number) => result.retainedSizes[o];
  const lines: string[] = [];
  const chain = suspect.lastingChain ?? suspect.chain;
  const heldAs = chain === null ? '' : heldAsOf(graph, chain);
  const at = suspect.accumulation;
  if (suspect.kind === 'group') {
    const row = suspect.breakdown[0];
    lines.push(style.bold(`#${number}  ${formatCount(row.count)} ${className(result, row.classId)} objects of one shape together retain ${formatBytes(suspect.retainedSize)} (${share(suspect.retainedSize)} of the heap)`));
    lines.push(`    no single object holds them: they hang under ${describeNodeWithId(graph, suspect.top)} in the dominator tree`);
    lines.push(`    for example ${describeNodeWithId(graph, at)}${heldAs ? ` ${heldAs}` : ''}, ${formatBytes(retained(at))} (the largest: ${formatBytes(retained(row.largest))})`);
  } else {
    const members = `${formatCount(suspect.memberCount)} ${suspect.memberCount === 1 ? 'object' : 'objects'}`;
    if (suspect.top === at) {
      const what = suspect.memberCount === 0 ? 'by itself' : `: ${members} accumulate in it`;
      lines.push(style.bold(`#${number}  ${describeNodeWithId(graph, at)}${heldAs ? ` ${heldAs}` : ''} retains ${formatBytes(suspect.retainedSize)} (${share(suspect.retainedSize)} of the heap)${suspect.memberCount === 0 ? ' ' : ''}${what}`));
    } else {
      lines.push(style.bold(`#${number}  ${describeNodeWithId(graph, suspect.top)} retains ${formatBytes(suspect.retainedSize)} (${share(suspect.retainedSize)} of the heap)`));
      lines.push(`    accumulated in ${describeNodeWithId(graph, at)}${heldAs ? ` ${heldAs}` : ''}, ${formatBytes(retained(at))} (${share(retained(at))}): ${members}`);
    }
    for (const row of suspect.breakdown.slice(0, TEXT_CLASS_ROWS)) {
      lines.push(`      ${formatCount(row.count)} ${className(result, row.classId)}, ${formatBytes(row.retainedSize)}, ${share(row.retainedSize)} of the heap`);
    }
    const more = suspect.breakdown.slice(TEXT_CLASS_ROWS);
    if (more.length > 0) {
      const objects = more.reduce((n, row) => n + row.count, 0);
      const bytes = more.reduce((n, row) => n + row.retainedSize, 0);
      lines.push(style.dim(`      … ${formatCount(more.length)} more ${more.length === 1 ? 'class' : 'classes'}: ${formatCount(objects)} ${objects === 1 ? 'object' : 'objects'}, ${formatBytes(bytes)}`));
    }
  }
  if (suspect.example.length > 0) {
    const row = suspect.breakdown[0];
    const typical = row.typical;
    lines.push(`    what one ${className(result, row.classId)} holds (${describeNodeWithId(graph, typical)}, ${formatBytes(retained(typical))}): ${examplePathText(graph, suspect.example)}, ${formatBytes(retained(suspect.example.at(-1)!.node))}`);
  }
  if (chain === null) {
    lines.push(`    no strong reference reaches ${describeNodeWithId(graph, at)} (weak references only)`);
    return lines;
  }
  const from = chain.isFromUserRoot ? 'a global object' : 'a GC root';
  const hops = `${formatCount(chain.hopCount)} ${chain.hopCount === 1 ? 'hop' : 'hops'}`;
  if (suspect.lastingChain !== null) {
    lines.push(`    chain to it from a lasting root, ${hops} from ${from} (the shortest chain starts at ${suspect.chain!.transientRoot}: the code that was running when the snapshot was written):`);
  } else {
    lines.push(`    shortest chain to it, ${hops} from ${from}${chain.transientRoot ? ` (starts at ${chain.transientRoot}: the code that was running when the snapshot was written)` : ''}:`);
  }
  lines.push(...chainLines(graph, chain).map((line) => `      ${line}`));
  return lines;
}

function className(result: SuspectsResult, classId: number): string {
  return sanitizeForTerminal(result.classes.names[classId], 60);
}

/**
 * The name the chain's target is held by: the edge into it when that is a variable, a property or an
 * element (`->requestLog`, `.cache`, `[3]`); '' for V8's internal slots (`{43}` of the stack roots),
 * which name nothing a reader can find in the code.
 */
function heldAsOf(graph: HeapGraph, chain: ChainViewResult): string {
  const last = chain.steps.at(-1);
  if (last === undefined || last.edge < 0) return '';
  const { types } = graph;
  const type = graph.edgeType[last.edge];
  const isNamed = type === types.property || type === types.context || type === types.element || type === types.shortcut;
  return isNamed ? formatEdgeName(graph, last.edge) : '';
}

function examplePathText(graph: HeapGraph, path: SuspectPathStep[]): string {
  return path.map((step) => `${step.edge >= 0 ? formatEdgeName(graph, step.edge) : '(dominates)'} → ${describeNodeWithId(graph, step.node)}`).join(' ');
}

/** One line per step, root first: `global @6049`, then `.prop → Class @id`. */
function chainLines(graph: HeapGraph, chain: ChainViewResult): string[] {
  const lines: string[] = [];
  chain.steps.forEach((step, i) => {
    if (i === chain.elidedAt && chain.elidedHops > 0) lines.push(formatElidedHops(chain.elidedHops));
    if (step.edge < 0) lines.push(describeNodeWithId(graph, step.node));
    else {
      const run = step.hops > 1 ? ` … ×${formatCount(step.hops)}, each held by the previous one (to @${graph.nodeId[step.node]})` : '';
      lines.push(`${formatEdgeName(graph, step.edge)} → ${describeNodeWithId(graph, step.firstNode)}${run}`);
    }
  });
  return lines;
}

function formatShare(bytes: number, total: number): string {
  return `${formatPercentValue(total > 0 ? (100 * bytes) / total : 0)}%`;
}

/** One decimal; "<0.1" rather than a misleading "0.0" for something that is there. */
function formatPercentValue(percent: number): string {
  if (percent > 0 && percent < 0.05) return '<0.1';
  return Number.isInteger(percent) ? String(percent) : percent.toFixed(1);
}

/** Percent of the heap, two decimals: enough to order and compare, stable in tests. */
function percentOf(bytes: number, total: number): number {
  return total > 0 ? Math.round((10000 * bytes) / total) / 100 : 0;
}

export interface SuspectsJson {
  snapshot: { file: string; nodeCount: number; totalSize: number };
  threshold: { percent: number; bytes: number };
  suspects: unknown[];
  skipped: { reason: string; id: number; name: string; retainedSize: number; percent: number }[];
  largestOther: { id: number; name: string; retainedSize: number; percent: number } | null;
}

/** The `suspects --json` shape (README). */
export function suspectsToJson(graph: HeapGraph, result: SuspectsResult, file: string): SuspectsJson {
  const total = result.totalSize;
  const ref = (o: number) => ({ id: graph.nodeId[o], name: result.classes.names[result.classes.classOf[o]], retainedSize: result.retainedSizes[o] });
  return {
    snapshot: { file, nodeCount: graph.nodeCount, totalSize: total },
    threshold: { percent: result.thresholdPercent, bytes: result.threshold },
    suspects: result.suspects.map((s) => {
      const chain = s.lastingChain ?? s.chain;
      return {
        kind: s.kind,
        retainedSize: s.retainedSize,
        percent: percentOf(s.retainedSize, total),
        top: ref(s.top),
        accumulation: { ...ref(s.accumulation), heldAs: chain === null ? null : heldAsOf(graph, chain) || null },
        memberCount: s.memberCount,
        classes: s.breakdown.map((row) => ({
          name: result.classes.names[row.classId], count: row.count, retainedSize: row.retainedSize,
          percent: percentOf(row.retainedSize, total), largestId: graph.nodeId[row.largest], typicalId: graph.nodeId[row.typical],
        })),
        example: s.example.map((step) => ({
          edge: step.edge < 0 ? null : { type: graph.edgeTypeOf(step.edge), name: graph.isIndexEdge(step.edge) ? graph.edgeNameOrIndex[step.edge] : graph.edgeNameOf(step.edge) },
          node: ref(step.node),
        })),
        chain: s.chain === null ? null : chainHopsToJson(graph, s.chain),
        transientRoot: s.chain?.transientRoot ?? null,
        lastingChain: s.lastingChain === null ? null : chainHopsToJson(graph, s.lastingChain),
      };
    }),
    skipped: result.skipped.map((s) => ({ reason: s.reason, ...ref(s.node), percent: percentOf(s.retainedSize, total), retainedSize: s.retainedSize })),
    largestOther: result.largestOther < 0 ? null : { ...ref(result.largestOther), percent: percentOf(result.retainedSizes[result.largestOther], total) },
  };
}
