// `leakscope cycles SNAP`: what a FinalizationRegistry can never finalize, the reference cycles of
// user objects that a single outside reference keeps alive, and weak references held strongly anyway.
// The analyses live in src/analysis/{finalization,cycles,weak-kept}.ts; this file only presents them.

import type { Command } from 'commander';
import type { HeapGraph } from '../../snapshot/heap-graph.ts';
import { devtoolsClassName } from '../../snapshot/class-names.ts';
import { findUnfinalizableRegistrations, findCleanupCallback, type FinalizationLeak, type FinalizationReason } from '../../analysis/finalization.ts';
import { findUserCycles, type UserCycle } from '../../analysis/cycles.ts';
import type { EdgeStep } from '../../analysis/edge-step.ts';
import { findWeakKeptStrongly, type WeakKeptFinding } from '../../analysis/weak-kept.ts';
import { renderJson } from '../../report/json.ts';
import { renderDot, type DotEdge, type DotGraph, type DotNode } from '../../report/dot.ts';
import { renderSvg } from '../../report/svg.ts';
import { writeOutput } from '../../report/write-output.ts';
import { formatBytes, formatCount } from '../../report/format.ts';
import { sanitizeForTerminal } from '../../report/sanitize.ts';
import type { Style } from '../../report/style.ts';
import { EXIT_FINDING, LeakscopeError } from '../../errors.ts';
import { checkOutputPaths, commandAction, loadForCli, parseNonNegativeInt, stdoutStyle, writeOut } from '../io.ts';

interface CyclesOptions {
  json?: boolean;
  dot?: string;
  svg?: string;
  limit: number;
  failOnFinding?: boolean;
}

export function registerCyclesCommand(program: Command): void {
  program
    .command('cycles')
    .description('registrations a FinalizationRegistry can never finalize, reference cycles of user objects and what keeps them, weak references held strongly')
    .argument('<snapshot>', '.heapsnapshot file (or .heapsnapshot.gz)')
    .option('--json', 'print JSON: {"finalization":[…],"pendingCleanups":N,"cycles":[…],"weakKept":[…]}')
    .option('--dot <file>', 'write the findings as a Graphviz DOT graph (cycles highlighted)')
    .option('--svg <file>', 'write the findings as an SVG picture (rendered in-process)')
    .option('-n, --limit <n>', 'cycles to report, largest retained size first, and items listed per finding; 0 shows all', parseNonNegativeInt, 10)
    .option('--fail-on-finding', 'exit 1 when anything is found (for CI)')
    .addHelpText('after', `
Examples:
  $ leakscope cycles app.heapsnapshot
  $ leakscope cycles app.heapsnapshot --json --limit 0
  $ leakscope cycles app.heapsnapshot --svg cycles.svg
  $ leakscope cycles app.heapsnapshot --fail-on-finding   # CI: exit 1 if anything is found`)
    .action(commandAction(async (file: string, options: CyclesOptions) => {
      if (options.dot !== undefined && options.svg !== undefined) throw new LeakscopeError('choose one of --dot and --svg');
      checkOutputPaths([['--dot', options.dot], ['--svg', options.svg]], [file], 'the findings');
      const graph = await loadForCli(file);
      const finalization = findUnfinalizableRegistrations(graph);
      const cycles = findUserCycles(graph, { limit: options.limit });
      const weakKept = findWeakKeptStrongly(graph).findings;
      const report = buildReport(graph, finalization.leaks, finalization.pendingCleanups.map((c) => c.holdings), cycles.cycles, weakKept);
      if (options.json) writeOut(renderJson(report));
      else writeOut(renderText(graph, report, cycles.userCycleCount, finalization.leaks, cycles.cycles, weakKept, options.limit, stdoutStyle()));
      if (options.dot !== undefined || options.svg !== undefined) {
        const dot = renderDot(buildDotGraph(graph, finalization.leaks, cycles.cycles, weakKept));
        if (options.dot !== undefined) await writeOutput(options.dot, dot);
        else await writeOutput(options.svg!, await renderSvg(dot));
      }
      const found = report.finalization.length + report.cycles.length + report.weakKept.length > 0;
      return options.failOnFinding && found ? EXIT_FINDING : 0;
    }));
}

// ---------------------------------------------------------------------------------------------
// Names and edges, as a person reads them

/** Class-like name of a node: constructor name for objects, `Function f` for closures. */
function nameOf(graph: HeapGraph, o: number): string {
  const type = graph.nodeType[o];
  if (type === graph.types.object) return graph.nodeNameOf(o);
  if (type === graph.types.closure) return `Function ${graph.nodeNameOf(o) || '(anonymous)'}`;
  if (type === graph.types.array) return graph.nodeNameOf(o) || '(array)';
  if (type === graph.types.hidden || type === graph.types.code) return graph.nodeNameOf(o);
  return devtoolsClassName(graph, o);
}

function nodeRef(graph: HeapGraph, o: number) {
  return { id: graph.nodeId[o], name: nameOf(graph, o) };
}

/** The edge written the DevTools way: `.prop`, `[i]`, `->ctxvar`, `{internal}`. */
function edgeText(graph: HeapGraph, e: number): string {
  const type = graph.edgeTypeOf(e);
  const name = graph.edgeNameOf(e);
  switch (type) {
    case 'property': return `.${name}`;
    case 'element': return `[${name}]`;
    case 'context': return `->${name}`;
    case 'weak': return `(weak ${name})`;
    default: return `{${name}}`;
  }
}

function show(graph: HeapGraph, o: number): string {
  return `${sanitizeForTerminal(nameOf(graph, o), 60)} @${graph.nodeId[o]}`;
}

/**
 * A registry reaches its cells through a linked list; a walk down that list says nothing to the
 * reader, so consecutive WeakCell hops become one `{cells}` step (the count says how many).
 */
interface ShownStep { from: number; to: number; edge: number | null; label: string }

function collapseCellHops(graph: HeapGraph, path: EdgeStep[], isCell: (o: number) => boolean): ShownStep[] {
  const shown: ShownStep[] = [];
  for (let i = 0; i < path.length; i++) {
    const step = path[i];
    if (isCell(step.to)) {
      let j = i;
      while (j + 1 < path.length && isCell(path[j + 1].to)) j++;
      const hops = j - i + 1;
      shown.push({ from: step.from, to: path[j].to, edge: hops === 1 ? step.edge : null, label: hops === 1 ? '{cell}' : `{cells: ${hops} hops}` });
      i = j;
    } else {
      shown.push({ from: step.from, to: step.to, edge: step.edge, label: stepLabel(graph, step, isCell) });
    }
  }
  return shown;
}

/** Hidden slots have no names; say what they are where the role is known (FORMAT.md §7.1). */
function stepLabel(graph: HeapGraph, step: EdgeStep, isCell: (o: number) => boolean): string {
  if (graph.edgeType[step.edge] === graph.types.hiddenEdge) {
    if (isCell(step.from)) return '{held value}';
    if (graph.nodeType[step.to] === graph.types.closure) return '{cleanup callback}';
  }
  return edgeText(graph, step.edge);
}

function stepsToJson(graph: HeapGraph, steps: ShownStep[]) {
  if (steps.length === 0) return [];
  const out = steps.map((s) => ({
    node: { ...nodeRef(graph, s.from), type: graph.nodeTypeOf(s.from) },
    edge: s.edge === null ? { type: 'hidden', name: s.label.slice(1, -1) } : { type: graph.edgeTypeOf(s.edge), name: graph.edgeNameOf(s.edge) },
  }));
  const last = steps[steps.length - 1].to;
  return [...out, { node: { ...nodeRef(graph, last), type: graph.nodeTypeOf(last) }, edge: null }];
}

function stepsToText(graph: HeapGraph, steps: ShownStep[]): string {
  if (steps.length === 0) return '';
  return `${show(graph, steps[0].from)} ${steps.map((s) => `${sanitizeForTerminal(s.label, 40)} → ${show(graph, s.to)}`).join(' ')}`;
}

function edgeRefSteps(graph: HeapGraph, edges: EdgeStep[]): ShownStep[] {
  return edges.map((e) => ({ from: e.from, to: e.to, edge: e.edge, label: edgeText(graph, e.edge) }));
}

// ---------------------------------------------------------------------------------------------
// JSON

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

function isWeakCell(graph: HeapGraph, o: number): boolean {
  return graph.nodeType[o] === graph.types.hidden && graph.nodeNameOf(o) === 'system / WeakCell';
}

function buildReport(graph: HeapGraph, leaks: FinalizationLeak[], pendingHoldings: number[], cycles: UserCycle[], weakKept: WeakKeptFinding[]) {
  const isCell = (o: number) => isWeakCell(graph, o);
  const holdingCounts = new Map<string, number>();
  for (const h of pendingHoldings) {
    const name = h < 0 ? '(no held value)' : nameOf(graph, h);
    holdingCounts.set(name, (holdingCounts.get(name) ?? 0) + 1);
  }
  return {
    finalization: leaks.map((leak) => {
      const callback = findCleanupCallback(graph, leak.registry);
      return {
        registry: nodeRef(graph, leak.registry),
        target: nodeRef(graph, leak.target),
        reason: leak.reason,
        ...(leak.group > 0 ? { group: leak.group } : {}),
        callback: callback < 0 ? null : nodeRef(graph, callback),
        path: stepsToJson(graph, collapseCellHops(graph, leak.path, isCell)),
      };
    }),
    pendingCleanups: pendingHoldings.length,
    pendingCleanupHeldValues: [...holdingCounts].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count),
    cycles: cycles.map((cycle) => ({
      members: cycle.members.map((m) => nodeRef(graph, m)),
      size: cycle.size,
      retainedSize: cycle.retainedSize,
      keptBy: cycle.keptBy === null ? null : { ...nodeRef(graph, cycle.keptBy.from), edge: graph.edgeNameOf(cycle.keptBy.edge), edgeType: graph.edgeTypeOf(cycle.keptBy.edge), to: nodeRef(graph, cycle.keptBy.to) },
      entryEdges: cycle.entryEdgeCount,
      loop: stepsToJson(graph, edgeRefSteps(graph, cycle.loop)),
      closingEdges: cycle.closingEdges.map((e) => ({ from: nodeRef(graph, e.from), edge: graph.edgeNameOf(e.edge), edgeType: graph.edgeTypeOf(e.edge), to: nodeRef(graph, e.to) })),
    })),
    weakKept: weakKept.map((f) => ({
      kind: f.kind,
      holder: f.holder < 0 ? null : nodeRef(graph, f.holder),
      ...(f.kind === 'weakmap-value' ? { key: f.key < 0 ? null : nodeRef(graph, f.key) } : {}),
      target: nodeRef(graph, f.target),
      path: stepsToJson(graph, f.path.map((s) => ({ ...s, label: edgeText(graph, s.edge) }))),
    })),
  };
}

type Report = ReturnType<typeof buildReport>;

// ---------------------------------------------------------------------------------------------
// Text

function groupNames(graph: HeapGraph, nodes: number[]): string {
  const counts = new Map<string, number>();
  for (const o of nodes) {
    const name = nameOf(graph, o);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])
    .map(([name, count]) => `${sanitizeForTerminal(name, 50)}${count > 1 ? ` ×${formatCount(count)}` : ''}`).join(', ');
}

function renderText(graph: HeapGraph, report: Report, userCycleCount: number, leaks: FinalizationLeak[], cycles: UserCycle[], weakKept: WeakKeptFinding[], limit: number, style: Style): string {
  const out: string[] = [];
  const cap = <T>(items: T[]) => (limit === 0 ? items : items.slice(0, limit));
  const more = (total: number, shown: number, indent: string) => {
    if (total > shown) out.push(style.dim(`${indent}… ${formatCount(total - shown)} more (--limit 0 shows all)`));
  };
  const isCell = (o: number) => isWeakCell(graph, o);

  out.push(style.bold(`Unfinalizable registrations: ${formatCount(leaks.length)}`) + style.dim('  (FinalizationRegistry targets kept alive by the registry itself; their cleanup never runs)'));
  const reasons: FinalizationReason[] = ['held-value-references-target', 'held-values-reference-each-other', 'callback-captures-target', 'held-by-another-registration'];
  for (const reason of reasons) {
    const group = leaks.filter((l) => l.reason === reason);
    if (group.length === 0) continue;
    if (reason === 'held-values-reference-each-other') {
      const groups = [...new Set(group.map((l) => l.group))];
      out.push(`  ${style.yellow(REASON_TEXT[reason])}: ${formatCount(groups.length)} cycles, ${formatCount(group.length)} registrations`);
      for (const g of cap(groups)) {
        const members = group.filter((l) => l.group === g);
        out.push(`    cycle ${g}: ${members.map((l) => show(graph, l.target)).join(' ⇄ ')}  in ${show(graph, members[0].registry)}`);
        for (const l of members) out.push(style.dim(`      ${stepsToText(graph, collapseCellHops(graph, l.path, isCell))}`));
      }
      more(groups.length, cap(groups).length, '    ');
    } else {
      out.push(`  ${style.yellow(REASON_TEXT[reason])}: ${formatCount(group.length)}`);
      for (const l of cap(group)) {
        out.push(`    ${show(graph, l.target)} in ${show(graph, l.registry)}`);
        out.push(style.dim(`      ${stepsToText(graph, collapseCellHops(graph, l.path, isCell))}`));
      }
      more(group.length, cap(group).length, '    ');
    }
    out.push(`    ${style.green(REASON_FIX[reason])}; or unregister the target (register(target, held, token) … unregister(token)) when done`);
  }
  const pending = report.pendingCleanups;
  out.push(`Pending cleanups: ${formatCount(pending)} cleared registration${pending === 1 ? '' : 's'} whose callback has not run yet`
    + (pending > 0 ? ` (held values: ${report.pendingCleanupHeldValues.map((h) => `${sanitizeForTerminal(h.name, 40)} ×${formatCount(h.count)}`).join(', ')})` : ''));
  out.push('');

  out.push(style.bold(`Reference cycles of user objects: ${formatCount(userCycleCount)}`) + (cycles.length < userCycleCount ? style.dim(` (largest ${formatCount(cycles.length)} shown)`) : ''));
  cycles.forEach((cycle, i) => {
    out.push(`  #${i + 1}  ${formatCount(cycle.members.length)} objects, ${formatBytes(cycle.size)} self, ${formatBytes(cycle.retainedSize)} retained: ${groupNames(graph, cycle.members)}`);
    if (cycle.loop.length > 0) out.push(`      loop: ${stepsToText(graph, edgeRefSteps(graph, cycle.loop))}`);
    if (cycle.closingEdges.length > 0) {
      const closing = new Map<string, number>();
      for (const e of cycle.closingEdges) {
        const text = `${sanitizeForTerminal(nameOf(graph, e.from), 40)}${sanitizeForTerminal(edgeText(graph, e.edge), 40)} → ${sanitizeForTerminal(nameOf(graph, e.to), 40)}`;
        closing.set(text, (closing.get(text) ?? 0) + 1);
      }
      out.push(`      closed by: ${[...closing].map(([t, n]) => (n > 1 ? `${t} (×${n})` : t)).join(', ')}`);
    }
    if (cycle.keptBy !== null) {
      out.push(`      kept alive by: ${show(graph, cycle.keptBy.from)} ${sanitizeForTerminal(edgeText(graph, cycle.keptBy.edge), 60)} → ${show(graph, cycle.keptBy.to)}  (the only reference from outside: breaking it frees the whole cycle)`);
    } else {
      out.push(`      kept alive by ${formatCount(cycle.entryEdgeCount)} references from outside`);
    }
    out.push(`      ${style.green(cycleFix(graph, cycle))}`);
  });
  out.push('');

  out.push(style.bold(`Weak references held strongly anyway: ${formatCount(weakKept.length)}`));
  for (const f of cap(weakKept)) {
    const via = f.path.length === 0 ? '' : f.path.slice(-2).map((s) => `${show(graph, s.from)} ${sanitizeForTerminal(edgeText(graph, s.edge), 40)}`).join(' → ');
    const what = f.kind === 'weakref-target'
      ? `${show(graph, f.holder)} → target ${show(graph, f.target)}`
      : `${f.holder < 0 ? 'WeakMap' : show(graph, f.holder)} value ${show(graph, f.target)}${f.key < 0 ? '' : ` (key ${show(graph, f.key)})`}`;
    out.push(`  ${what}, also held by … ${via} → ${show(graph, f.target)}`);
  }
  more(weakKept.length, cap(weakKept).length, '  ');
  if (weakKept.length > 0) out.push(`    ${style.green('fix: drop the strong reference if the weak one was meant to be the only one; otherwise the WeakRef / WeakMap is not needed')}`);
  return out.join('\n');
}

/** The advice depends on the shape: an emitter's listener list, or a back-reference in general. */
function cycleFix(graph: HeapGraph, cycle: UserCycle): string {
  const isListener = cycle.loop.some((e) => graph.edgeTypeOf(e.edge) === 'property' && graph.edgeNameOf(e.edge) === '_events');
  const kept = cycle.keptBy === null ? 'the references from outside' : `${nameOf(graph, cycle.keptBy.from)} ${edgeText(graph, cycle.keptBy.edge)}`;
  if (isListener) return `fix: remove the listener when its owner is done (emitter.off / removeListener, or an AbortSignal), or release ${kept}`;
  return `fix: release ${kept} when done, or make the back-reference that closes the cycle a WeakRef`;
}

// ---------------------------------------------------------------------------------------------
// DOT

function buildDotGraph(graph: HeapGraph, leaks: FinalizationLeak[], cycles: UserCycle[], weakKept: WeakKeptFinding[]): DotGraph {
  const nodes = new Map<number, DotNode>();
  const edges: DotEdge[] = [];
  const seenEdges = new Set<string>();
  const addNode = (o: number, highlight = false) => {
    const existing = nodes.get(o);
    if (existing) {
      if (highlight) existing.highlight = true;
      return `n${o}`;
    }
    nodes.set(o, { id: `n${o}`, label: [nameOf(graph, o), `@${graph.nodeId[o]}`], highlight });
    return `n${o}`;
  };
  const addEdge = (from: number, to: number, label: string, extra: Partial<DotEdge> = {}) => {
    const key = `${from}>${to}>${label}`;
    if (seenEdges.has(key)) return;
    seenEdges.add(key);
    edges.push({ from: addNode(from), to: addNode(to), label, ...extra });
  };
  const isCell = (o: number) => isWeakCell(graph, o);
  for (const leak of leaks) {
    addNode(leak.target, true);
    for (const s of collapseCellHops(graph, leak.path, isCell)) addEdge(s.from, s.to, s.label);
    addEdge(leak.cell, leak.target, 'target', { weak: true });
  }
  for (const cycle of cycles) {
    for (const e of cycle.loop) {
      addNode(e.from, true);
      addEdge(e.from, e.to, edgeText(graph, e.edge), { color: '#c0392b' });
    }
    for (const e of cycle.closingEdges) addEdge(e.from, e.to, edgeText(graph, e.edge), { color: '#c0392b' });
    if (cycle.keptBy !== null) addEdge(cycle.keptBy.from, cycle.keptBy.to, edgeText(graph, cycle.keptBy.edge), { style: 'bold' });
  }
  for (const f of weakKept) {
    addNode(f.target, true);
    addEdge(f.holder < 0 ? f.target : f.holder, f.target, f.kind === 'weakref-target' ? 'target' : 'value', { weak: true });
    const last = f.path[f.path.length - 1];
    if (last !== undefined) addEdge(last.from, last.to, edgeText(graph, last.edge));
  }
  return { name: 'leakscope cycles', rankdir: 'LR', nodes: [...nodes.values()], edges };
}
