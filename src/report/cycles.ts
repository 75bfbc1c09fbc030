// The `cycles` report in text, JSON and DOT: unfinalizable registrations (analysis/finalization.ts),
// reference cycles of user objects (analysis/cycles.ts) and weak references held strongly anyway
// (analysis/weak-kept.ts), from results already computed. Nodes and edges are named by names.ts.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { WEAK_CELL_NAME } from '../snapshot/v8-names.ts';
import type { FinalizationReason, FinalizationResult } from '../analysis/finalization.ts';
import type { CyclesResult, UserCycle } from '../analysis/cycles.ts';
import type { WeakKeptFinding } from '../analysis/weak-kept.ts';
import type { EdgeStep } from '../analysis/edge-step.ts';
import type { DotEdge, DotGraph, DotNode } from './dot.ts';
import { formatBytes, formatCount } from './format.ts';
import { describeNode, describeNodeWithId, edgeToJson, formatEdgeName, nodeToJson, type EdgeJson, type NodeJson } from './names.ts';
import { sanitizeForTerminal } from './sanitize.ts';
import type { Style } from './style.ts';
import { upToLimit } from './limit.ts';

/** What `leakscope cycles` found, as the analyses return it. */
export interface CyclesReportInput {
  finalization: FinalizationResult;
  cycles: CyclesResult;
  weakKept: WeakKeptFinding[];
}

// ---------------------------------------------------------------------------------------------
// Steps, as a person reads them

/** A step of a path with its label; `edge` -1 for several WeakCell hops shown as one. */
type LabelledStep = EdgeStep & { label: string };

function isWeakCell(graph: HeapGraph, o: number): boolean {
  return graph.nodeType[o] === graph.types.hidden && graph.nodeNameOf(o) === WEAK_CELL_NAME;
}

/**
 * A registry reaches its cells through a linked list; a walk down that list says nothing to the
 * reader, so consecutive WeakCell hops become one `{cells}` step (the count says how many).
 */
function registrationSteps(graph: HeapGraph, path: EdgeStep[]): LabelledStep[] {
  const shown: LabelledStep[] = [];
  for (let i = 0; i < path.length; i++) {
    const step = path[i];
    if (isWeakCell(graph, step.to)) {
      let j = i;
      while (j + 1 < path.length && isWeakCell(graph, path[j + 1].to)) j++;
      const hops = j - i + 1;
      shown.push({ from: step.from, to: path[j].to, edge: hops === 1 ? step.edge : -1, label: hops === 1 ? '{cell}' : `{cells: ${hops} hops}` });
      i = j;
    } else {
      shown.push({ ...step, label: registrationStepLabel(graph, step) });
    }
  }
  return shown;
}

/** Hidden slots have no names; say what they are where the role is known (docs/FORMAT.md §7.1). */
function registrationStepLabel(graph: HeapGraph, step: EdgeStep): string {
  if (graph.edgeType[step.edge] === graph.types.hiddenEdge) {
    if (isWeakCell(graph, step.from)) return '{held value}';
    if (graph.nodeType[step.to] === graph.types.closure) return '{cleanup callback}';
  }
  return formatEdgeName(graph, step.edge);
}

function plainSteps(graph: HeapGraph, steps: EdgeStep[]): LabelledStep[] {
  return steps.map((s) => ({ ...s, label: formatEdgeName(graph, s.edge) }));
}

/** `A @1 .x → B @2 [0] → C @3` */
function stepsToText(graph: HeapGraph, steps: LabelledStep[]): string {
  if (steps.length === 0) return '';
  return `${describeNodeWithId(graph, steps[0].from)} ${steps.map((s) => `${s.label} → ${describeNodeWithId(graph, s.to)}`).join(' ')}`;
}

/** `Class.edge → Class`, `Class->edge → Class`: an edge between classes, ids left out. */
function edgeBetweenClasses(graph: HeapGraph, step: EdgeStep): string {
  return `${describeNode(graph, step.from)}${formatEdgeName(graph, step.edge)} → ${describeNode(graph, step.to)}`;
}

// ---------------------------------------------------------------------------------------------
// JSON

/** A path as `chain --json` writes one: each node with the edge leaving it, the last with null. */
function stepsToJson(graph: HeapGraph, steps: LabelledStep[]): { node: NodeJson; edge: EdgeJson | null }[] {
  if (steps.length === 0) return [];
  const out = steps.map((s) => ({
    node: nodeToJson(graph, s.from),
    edge: s.edge < 0 ? { type: 'hidden', name: s.label.slice(1, -1) } : edgeToJson(graph, s.edge),
  }));
  return [...out, { node: nodeToJson(graph, steps[steps.length - 1].to), edge: null }];
}

/** An edge between two nodes: `{from, edge, edgeType, to}`. */
function edgeBetweenToJson(graph: HeapGraph, step: EdgeStep) {
  const { type, name } = edgeToJson(graph, step.edge);
  return { from: nodeToJson(graph, step.from), edge: name, edgeType: type, to: nodeToJson(graph, step.to) };
}

/** The one edge into a cycle, flat (its source's fields first): `{id, name, type, edge, edgeType, to}`. */
function keptByToJson(graph: HeapGraph, step: EdgeStep) {
  const { from, ...rest } = edgeBetweenToJson(graph, step);
  return { ...from, ...rest };
}

/** Pending held values by what they are, most first. */
function countHeldValues(graph: HeapGraph, holdings: number[]): { name: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const h of holdings) {
    const name = h < 0 ? '(no held value)' : describeNode(graph, h);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count);
}

/** The `cycles --json` shape (README "cycles"). */
export function cyclesReportToJson(graph: HeapGraph, input: CyclesReportInput) {
  const pending = input.finalization.pendingCleanups.map((c) => c.holdings);
  return {
    finalization: input.finalization.leaks.map((leak) => ({
      registry: nodeToJson(graph, leak.registry),
      target: nodeToJson(graph, leak.target),
      reason: leak.reason,
      ...(leak.group > 0 ? { group: leak.group } : {}),
      callback: leak.callback < 0 ? null : nodeToJson(graph, leak.callback),
      path: stepsToJson(graph, registrationSteps(graph, leak.path)),
    })),
    pendingCleanups: pending.length,
    pendingCleanupHeldValues: countHeldValues(graph, pending),
    cycles: input.cycles.cycles.map((cycle) => ({
      members: cycle.members.map((m) => nodeToJson(graph, m)),
      size: cycle.selfSize,
      retainedSize: cycle.retainedSize,
      keptBy: cycle.keptBy === null ? null : keptByToJson(graph, cycle.keptBy),
      entryEdges: cycle.entryEdgeCount,
      loop: stepsToJson(graph, plainSteps(graph, cycle.loop)),
      closingEdges: cycle.closingEdges.map((e) => edgeBetweenToJson(graph, e)),
    })),
    weakKept: input.weakKept.map((f) => ({
      kind: f.kind,
      holder: f.holder < 0 ? null : nodeToJson(graph, f.holder),
      ...(f.kind === 'weakmap-value' ? { key: f.key < 0 ? null : nodeToJson(graph, f.key) } : {}),
      target: nodeToJson(graph, f.target),
      path: stepsToJson(graph, plainSteps(graph, f.path)),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Text

const REASONS: FinalizationReason[] = ['held-value-references-target', 'held-values-reference-each-other', 'callback-captures-target', 'held-by-another-registration'];

const REASON_TEXT: Record<FinalizationReason, string> = {
  'held-value-references-target': 'held value references its own target',
  'held-values-reference-each-other': 'held values reference each other\'s targets (a cycle of registrations)',
  'callback-captures-target': 'cleanup callback captures the target',
  'held-by-another-registration': 'target kept by another leaking registration\'s held value',
};

const REASON_FIX: Record<FinalizationReason, string> = {
  'held-value-references-target': 'fix: the held value must not reference the target — hold only what cleanup needs (an id, a handle), or a WeakRef to the target',
  'held-values-reference-each-other': 'fix: held values must not reference other registered targets — hold ids or WeakRefs instead',
  'callback-captures-target': 'fix: do not capture the target in the cleanup callback — it receives the held value; pass what it needs there',
  'held-by-another-registration': 'fix: the other registration\'s held value must not reference this target — hold an id or a WeakRef',
};

/** `ListenerOwner ×4, Function native_bind ×4, Array`: what a cycle is made of, most first. */
function countNames(graph: HeapGraph, nodes: number[]): string {
  const counts = new Map<string, number>();
  for (const o of nodes) {
    const name = describeNode(graph, o);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([name, count]) => `${name}${count > 1 ? ` ×${formatCount(count)}` : ''}`).join(', ');
}

/** The `cycles` text: every finding, `limit` items per list (0: all). */
export function renderCyclesText(graph: HeapGraph, input: CyclesReportInput, limit: number, style: Style): string {
  const { leaks } = input.finalization;
  const { cycles, userCycleCount } = input.cycles;
  const { weakKept } = input;
  const out: string[] = [];
  const more = (total: number, shown: number, indent: string) => {
    if (total > shown) out.push(style.dim(`${indent}… ${formatCount(total - shown)} more (--limit 0 shows all)`));
  };

  out.push(style.bold(`Unfinalizable registrations: ${formatCount(leaks.length)}`) + style.dim('  (FinalizationRegistry targets kept alive by the registry itself; their cleanup never runs)'));
  for (const reason of REASONS) {
    const group = leaks.filter((l) => l.reason === reason);
    if (group.length === 0) continue;
    if (reason === 'held-values-reference-each-other') {
      const groups = [...new Set(group.map((l) => l.group))];
      out.push(`  ${style.yellow(REASON_TEXT[reason])}: ${formatCount(groups.length)} cycles, ${formatCount(group.length)} registrations`);
      for (const g of upToLimit(groups, limit)) {
        const members = group.filter((l) => l.group === g);
        out.push(`    cycle ${g}: ${members.map((l) => describeNodeWithId(graph, l.target)).join(' ⇄ ')}  in ${describeNodeWithId(graph, members[0].registry)}`);
        for (const l of members) out.push(style.dim(`      ${stepsToText(graph, registrationSteps(graph, l.path))}`));
      }
      more(groups.length, upToLimit(groups, limit).length, '    ');
    } else {
      out.push(`  ${style.yellow(REASON_TEXT[reason])}: ${formatCount(group.length)}`);
      for (const l of upToLimit(group, limit)) {
        out.push(`    ${describeNodeWithId(graph, l.target)} in ${describeNodeWithId(graph, l.registry)}`);
        out.push(style.dim(`      ${stepsToText(graph, registrationSteps(graph, l.path))}`));
      }
      more(group.length, upToLimit(group, limit).length, '    ');
    }
    out.push(`    ${style.green(REASON_FIX[reason])}; or unregister the target (register(target, held, token) … unregister(token)) when done`);
  }
  const held = countHeldValues(graph, input.finalization.pendingCleanups.map((c) => c.holdings));
  const pending = input.finalization.pendingCleanups.length;
  out.push(`Pending cleanups: ${formatCount(pending)} cleared registration${pending === 1 ? '' : 's'} whose callback has not run yet`
    + (pending > 0 ? ` (held values: ${held.map((h) => `${h.name} ×${formatCount(h.count)}`).join(', ')})` : ''));
  out.push('');

  out.push(style.bold(`Reference cycles of user objects: ${formatCount(userCycleCount)}`) + (cycles.length < userCycleCount ? style.dim(` (largest ${formatCount(cycles.length)} shown)`) : ''));
  cycles.forEach((cycle, i) => {
    out.push(`  #${i + 1}  ${formatCount(cycle.members.length)} objects, ${formatBytes(cycle.selfSize)} self, ${formatBytes(cycle.retainedSize)} retained: ${countNames(graph, cycle.members)}`);
    if (cycle.loop.length > 0) out.push(`      loop: ${stepsToText(graph, plainSteps(graph, cycle.loop))}`);
    if (cycle.closingEdges.length > 0) {
      const closing = new Map<string, number>();
      for (const e of cycle.closingEdges) {
        const text = edgeBetweenClasses(graph, e);
        closing.set(text, (closing.get(text) ?? 0) + 1);
      }
      out.push(`      closed by: ${[...closing].map(([t, n]) => (n > 1 ? `${t} (×${n})` : t)).join(', ')}`);
    }
    if (cycle.keptBy !== null) {
      out.push(`      kept alive by: ${describeNodeWithId(graph, cycle.keptBy.from)} ${formatEdgeName(graph, cycle.keptBy.edge)} → ${describeNodeWithId(graph, cycle.keptBy.to)}  (the only reference from outside: breaking it frees the whole cycle)`);
    } else {
      out.push(`      kept alive by ${formatCount(cycle.entryEdgeCount)} references from outside`);
    }
    out.push(`      ${style.green(cycleFix(graph, cycle))}`);
  });
  out.push('');

  out.push(style.bold(`Weak references held strongly anyway: ${formatCount(weakKept.length)}`));
  for (const f of upToLimit(weakKept, limit)) {
    const via = f.path.slice(-2).map((s) => `${describeNodeWithId(graph, s.from)} ${formatEdgeName(graph, s.edge)}`).join(' → ');
    const what = f.kind === 'weakref-target'
      ? `${describeNodeWithId(graph, f.holder)} → target ${describeNodeWithId(graph, f.target)}`
      : `${f.holder < 0 ? 'WeakMap' : describeNodeWithId(graph, f.holder)} value ${describeNodeWithId(graph, f.target)}${f.key < 0 ? '' : ` (key ${describeNodeWithId(graph, f.key)})`}`;
    out.push(`  ${what}, also held by … ${via} → ${describeNodeWithId(graph, f.target)}`);
  }
  more(weakKept.length, upToLimit(weakKept, limit).length, '  ');
  if (weakKept.length > 0) out.push(`    ${style.green('fix: drop the strong reference if the weak one was meant to be the only one; otherwise the WeakRef / WeakMap is not needed')}`);
  return out.join('\n');
}

/** The advice depends on the shape: an emitter's listener list, or a back-reference in general. */
function cycleFix(graph: HeapGraph, cycle: UserCycle): string {
  const isListener = cycle.loop.some((e) => graph.edgeTypeOf(e.edge) === 'property' && graph.edgeNameOf(e.edge) === '_events');
  const kept = cycle.keptBy === null ? 'the references from outside' : `${describeNode(graph, cycle.keptBy.from)} ${formatEdgeName(graph, cycle.keptBy.edge)}`;
  if (isListener) return `fix: remove the listener when its owner is done (emitter.off / removeListener, or an AbortSignal), or release ${kept}`;
  return `fix: release ${kept} when done, or make the back-reference that closes the cycle a WeakRef`;
}

// ---------------------------------------------------------------------------------------------
// DOT

/** Every finding in one picture: leaked targets and cycle members highlighted, cycle edges red. */
export function cyclesToDot(graph: HeapGraph, input: CyclesReportInput): DotGraph {
  const nodes = new Map<number, DotNode>();
  const edges: DotEdge[] = [];
  const seenEdges = new Set<string>();
  const addNode = (o: number, highlight = false) => {
    const existing = nodes.get(o);
    if (existing) {
      if (highlight) existing.highlight = true;
      return `n${o}`;
    }
    nodes.set(o, { id: `n${o}`, label: [describeNode(graph, o), `@${graph.nodeId[o]}`], highlight });
    return `n${o}`;
  };
  const addEdge = (from: number, to: number, label: string, extra: Partial<DotEdge> = {}) => {
    const key = `${from}>${to}>${label}`;
    if (seenEdges.has(key)) return;
    seenEdges.add(key);
    edges.push({ from: addNode(from), to: addNode(to), label, ...extra });
  };
  for (const leak of input.finalization.leaks) {
    addNode(leak.target, true);
    for (const s of registrationSteps(graph, leak.path)) addEdge(s.from, s.to, s.label);
    addEdge(leak.cell, leak.target, 'target', { weak: true });
  }
  for (const cycle of input.cycles.cycles) {
    for (const e of cycle.loop) {
      addNode(e.from, true);
      addEdge(e.from, e.to, formatEdgeName(graph, e.edge), { color: '#c0392b' });
    }
    for (const e of cycle.closingEdges) addEdge(e.from, e.to, formatEdgeName(graph, e.edge), { color: '#c0392b' });
    if (cycle.keptBy !== null) addEdge(cycle.keptBy.from, cycle.keptBy.to, formatEdgeName(graph, cycle.keptBy.edge), { style: 'bold' });
  }
  for (const f of input.weakKept) {
    addNode(f.target, true);
    addEdge(f.holder < 0 ? f.target : f.holder, f.target, f.kind === 'weakref-target' ? 'target' : 'value', { weak: true });
    const last = f.path[f.path.length - 1];
    if (last !== undefined) addEdge(last.from, last.to, formatEdgeName(graph, last.edge));
  }
  return { name: 'leakscope cycles', rankdir: 'LR', nodes: [...nodes.values()], edges };
}
