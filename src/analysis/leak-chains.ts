// What holds the new objects: for the classes a growth report explains (the leak first), their new
// objects grouped by the shape of their shortest retainer chain, one example chain per group cut for
// printing. One analysis for `growth`, `run`, `demo`, measureGrowth and the toLeak matchers; the
// report (report/growth-report.ts) only names the nodes and edges of these chains.
//
// Cost: one groupChainsByShape per described class (linear in the heap), at most DESCRIBED_CLASSES.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { isBuiltInClassName } from '../snapshot/class-names.ts';
import type { ClassGrowth, GrowthResult } from './growth.ts';
import { gatedGrowth, type ClassVerdict, type GateResult } from './growth-gate.ts';
import type { ChainViewResult } from './paths.ts';
import { groupChainsByShape } from './chain-groups.ts';
import { innermostClosureLocation } from './script-names.ts';
import type { SourceLocation } from './source-locations.ts';

/** How many growing classes get their retainer chains described, and how many chain shapes each. */
const DESCRIBED_CLASSES = 3;
const CHAIN_GROUPS_PER_CLASS = 3;
/** Long chains keep their root and the hops nearest the target, where the variable that holds them is. */
export const LEAK_CHAIN_LIMITS = { head: 1, tail: 5 };

/** The new members of one class that share one chain shape (`chain --all`). */
export interface LeakChainGroup {
  count: number;
  /** What the group's members retain together (ChainGroup.retainedSize). */
  retainedSize: number;
  /** The example member's chain, runs of repeated hops as one step, cut to LEAK_CHAIN_LIMITS. */
  chain: ChainViewResult;
  /** Where the innermost closure on the chain was defined, when known: the code that holds them. */
  location: SourceLocation | null;
}

export interface RankedClass {
  growth: ClassGrowth;
  verdict: ClassVerdict;
}

/**
 * Every class of the result in report order: the violations first, in the gate's order (the leak
 * before the strings and numbers it holds), then named classes before built-in ones, then by the
 * new objects the program holds, then by count growth (the analysis's order).
 */
export function rankGrowthClasses(result: GrowthResult, gate: GateResult): RankedClass[] {
  const rank = new Map(gate.violations.map((v, i) => [v.key, i]));
  const rows = result.classes.map((growth, i) => ({ growth, verdict: gate.verdicts[i] ?? 'watched', position: i }));
  rows.sort((a, b) => (rank.get(a.growth.key) ?? Infinity) - (rank.get(b.growth.key) ?? Infinity)
    || Number(isBuiltInClassName(a.growth.name)) - Number(isBuiltInClassName(b.growth.name))
    || gatedGrowth(b.growth, false) - gatedGrowth(a.growth, false)
    || a.position - b.position);
  return rows.map(({ growth, verdict }) => ({ growth, verdict }));
}

/**
 * What holds the new objects of the classes a report explains, by class key: the unexplained
 * violations in the gate's order (the leak first), then the watched classes that grew at every
 * step, up to DESCRIBED_CLASSES. Built-in classes a violating named class explains are covered by
 * that class's chains. `last` is the newest snapshot, whose ordinals `result.classes[].newOrdinals` are.
 */
export function findLeakChains(last: HeapGraph, result: GrowthResult, gate: GateResult): Map<string, LeakChainGroup[]> {
  const described = new Map<string, LeakChainGroup[]>();
  const byKey = new Map(result.classes.map((c) => [c.key, c]));
  const violators = gate.violations.filter((v) => v.explainedBy === null).map((v) => v.key);
  const explained = new Set(gate.violations.filter((v) => v.explainedBy !== null).map((v) => v.key));
  // Then classes that grew at every step: one-off growth (a timer list, a pooled buffer) explains nothing.
  const growing = rankGrowthClasses(result, gate)
    .filter((r) => r.verdict === 'watched' && r.growth.delta > 0 && (r.growth.monotonic || result.snapshots.length === 2) && !explained.has(r.growth.key))
    .map((r) => r.growth.key);
  for (const key of [...violators, ...growing]) {
    if (described.size >= DESCRIBED_CLASSES) break;
    const c = byKey.get(key);
    if (!c || described.has(key) || c.newOrdinals.length === 0) continue;
    described.set(key, groupLeakChains(last, c.newOrdinals, CHAIN_GROUPS_PER_CLASS));
  }
  return described;
}

/**
 * The `chain --all` view of some new objects: grouped by the shape of their shortest retainer
 * chain, the largest `maxGroups` groups, each with its example chain cut to LEAK_CHAIN_LIMITS.
 * Linear in the heap however long the chains are.
 */
export function groupLeakChains(graph: HeapGraph, ordinals: ArrayLike<number>, maxGroups: number): LeakChainGroup[] {
  const { groups } = groupChainsByShape(graph, ordinals, { members: false });
  return groups.slice(0, maxGroups).map((g) => {
    const chain = g.viewWith(LEAK_CHAIN_LIMITS);
    return { count: g.count, retainedSize: g.retainedSize, chain, location: innermostClosureLocation(graph, chain.steps.map((step) => step.node)) };
  });
}
