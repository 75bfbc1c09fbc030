// Do two snapshots come from one process, in the order given? Growth compares object ids, and ids
// only mean something within one process (docs/FORMAT.md §5.2), so computeGrowth checks every consecutive
// pair first and refuses (exit 2) otherwise, explaining why: another process, or one whose ids V8
// renumbered (Node 20 does when an inspector session that took a snapshot closes).
//
// The check samples the later snapshot (sampleForSameProcess) and looks the sample up in the earlier
// one (checkSampleAgainst), so the two halves can run on the threads that hold each graph.
// Cost: O(SAME_PROCESS_SAMPLE × log N) per pair; the class composition only when the ids disagree.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeClassIndex, type NameMode } from '../snapshot/class-names.ts';
import { LeakscopeError, EXIT_USAGE } from '../errors.ts';

export interface SameProcessEvidence {
  /** Sampled heap objects of the later snapshot whose id the earlier snapshot also has. */
  matched: number;
  /** Of those, how many have the same node type and name in both. */
  consistent: number;
  /** consistent / matched (0 when nothing matched). */
  fraction: number;
  isSameProcess: boolean;
  /** The later snapshot's newest id is not older than the earlier one's. */
  isInOrder: boolean;
}

/**
 * Same-process agreement required of id-sharing objects. Measured (Node 20): 1.0000 for every pair
 * of snapshots of one process in fixtures/; 0.92 for two runs of `node -e "writeHeapSnapshot()"`
 * (the most deterministic program there is: its startup heap is nearly identical in both runs);
 * 0.03–0.47 for different programs. 0.99 sits in the gap and allows for rare in-place changes.
 */
export const SAME_PROCESS_MIN_AGREEMENT = 0.99;
/** Enough sampled objects to measure the agreement to ±0.5%, at bounded cost on huge snapshots. */
const SAME_PROCESS_SAMPLE = 50_000;

/**
 * What the later snapshot of a pair contributes to the same-process test: up to SAME_PROCESS_SAMPLE
 * heap objects taken evenly (synthetic nodes and embedder objects skipped), by id, node type and a
 * hash of the name. Small and plain, so it can travel to the thread that holds the earlier snapshot.
 */
export interface SameProcessSample {
  ids: Uint32Array;
  nodeTypes: string[];
  nameHashes: Uint32Array;
  /** maxObjectId of the later snapshot. */
  maxObjectId: number;
}

export function sampleForSameProcess(later: HeapGraph): SameProcessSample {
  const synthetic = later.types.synthetic;
  const n = later.nodeCount;
  const stride = Math.max(1, Math.floor(n / SAME_PROCESS_SAMPLE));
  const ids: number[] = [];
  const nodeTypes: string[] = [];
  const nameHashes: number[] = [];
  for (let j = 0; j < n; j += stride) {
    const id = later.nodeId[j];
    if ((id & 1) === 0 || later.nodeType[j] === synthetic) continue;
    ids.push(id);
    nodeTypes.push(later.nodeTypeOf(j));
    nameHashes.push(later.strings.hashOf(later.nodeName[j]));
  }
  return { ids: Uint32Array.from(ids), nodeTypes, nameHashes: Uint32Array.from(nameHashes), maxObjectId: later.maxOddObjectId() };
}

/**
 * Do `earlier` and the snapshot `sample` was taken from come from one process (one V8 isolate)? Ids
 * alone cannot tell: V8 numbers objects densely, so two processes share almost every id. What
 * differs is what the ids name: in one process an object that survives keeps its id, type and name,
 * so every sampled object whose id `earlier` also has must have the same type and name there (names
 * are compared by a 32-bit hash of their bytes). In another process the same id names an unrelated
 * object, except for the part of the startup heap both processes built identically. Synthetic nodes
 * (fixed ids 1, 3, 5… in every snapshot) and embedder nodes (even ids, fresh in every snapshot)
 * carry no evidence and are not sampled.
 */
export function checkSampleAgainst(earlier: HeapGraph, sample: SameProcessSample): SameProcessEvidence {
  const limit = earlier.maxOddObjectId();
  let matched = 0;
  let consistent = 0;
  for (let k = 0; k < sample.ids.length; k++) {
    const id = sample.ids[k];
    if (id > limit) continue;
    const i = earlier.ordinalOfId(id);
    if (i < 0) continue;
    matched++;
    if (earlier.nodeTypeOf(i) === sample.nodeTypes[k] && earlier.strings.hashOf(earlier.nodeName[i]) === sample.nameHashes[k]) consistent++;
  }
  const fraction = matched === 0 ? 0 : consistent / matched;
  return {
    matched,
    consistent,
    fraction,
    isSameProcess: matched > 0 && fraction >= SAME_PROCESS_MIN_AGREEMENT,
    isInOrder: sample.maxObjectId >= limit,
  };
}

export function checkSameProcess(earlier: HeapGraph, later: HeapGraph): SameProcessEvidence {
  return checkSampleAgainst(earlier, sampleForSameProcess(later));
}

/**
 * How alike two snapshots' class composition is: the share of their located classes (keys with a
 * script id and position, `3,12,4,RequestContext`) that both have (Jaccard). Script ids are numbered
 * per process in load order, so two snapshots of one process agree almost fully, and so do two runs
 * of one deterministic program; unrelated programs share almost nothing. null when either snapshot
 * has too few located classes to tell.
 */
export function classCompositionAgreement(keysA: readonly string[], keysB: readonly string[]): number | null {
  const located = (keys: readonly string[]) => new Set(keys.filter((key) => !key.startsWith(',')));
  const a = located(keysA);
  const b = located(keysB);
  if (a.size < MIN_LOCATED_CLASSES || b.size < MIN_LOCATED_CLASSES) return null;
  let shared = 0;
  for (const key of a) if (b.has(key)) shared++;
  return shared / (a.size + b.size - shared);
}

/** Located classes needed before the composition says anything (a bare `node -e` has ~40). */
const MIN_LOCATED_CLASSES = 20;
/**
 * Composition agreement above which two snapshots are taken to be one program (one process, or two
 * runs). Measured: 1.0 for snapshots of one process; 0.96 for one process whose ids V8 renumbered
 * after an inspector session (the session loaded modules of its own in between); 0.986 for the
 * noise-suite server and its leaky twin (one flag apart); 0.93 for the leaky- and clean-server
 * fixtures (two programs sharing Express and all of Node's scripts); 0.86 for diff-pair against
 * basic. Either way the answer is exit 2 with --counts-only offered; only the explanation differs.
 */
export const SAME_PROGRAM_MIN_AGREEMENT = 0.95;

/**
 * Throws a usage error (exit 2) unless the pair (earlier `a`, later `b`) comes from one process and
 * in that order. `maxA` and `maxB` are their maxObjectIds, for the message; `composition` the
 * pair's class composition agreement (computed only when the ids disagree).
 */
function assertPairFromOneProcess(e: SameProcessEvidence, a: string, b: string, maxA: number, maxB: number, composition: () => number | null): void {
  if (!e.isSameProcess) {
    const how = e.matched === 0
      ? 'they share no object ids'
      : `only ${formatPercent(e.fraction)} of the objects they share ids with have the same type and name (one process: ≥ ${formatPercent(SAME_PROCESS_MIN_AGREEMENT)})`;
    const agreement = composition();
    if (agreement !== null && agreement >= SAME_PROGRAM_MIN_AGREEMENT) {
      // Same scripts, same classes: V8 renumbered its ids, or these are two runs of one program.
      throw new LeakscopeError(
        `${a} and ${b} have the same scripts and classes (${formatPercent(agreement)} alike) but their object ids disagree: ${how}. `
        + 'Most likely V8 renumbered its object ids between them: Node 20 does when the inspector session that took a snapshot closes '
        + '(for example two separate `leakscope snapshot --pid` series, or a debugger that attached and left); or they come from two runs of one program. '
        + 'Ids cannot be compared across that: take the whole series over one connection (`leakscope snapshot --pid PID --count N`) or from inside the process '
        + '(v8.writeHeapSnapshot), or pass --counts-only to compare class counts without ids',
        EXIT_USAGE,
      );
    }
    throw new LeakscopeError(
      `${a} and ${b} do not come from the same process: ${how}. Object ids only mean something within one process; `
      + 'take every snapshot from the same running process, or pass --counts-only to compare class counts without ids',
      EXIT_USAGE,
    );
  }
  if (!e.isInOrder) {
    throw new LeakscopeError(
      `${b} was taken before ${a} (its newest object is @${maxB}, older than @${maxA}); `
      + 'pass the snapshots in the order they were taken',
      EXIT_USAGE,
    );
  }
}

/**
 * The same for a series: evidence[k - 1] is about snapshots k - 1 and k, `maxIds[k]` is snapshot
 * k's maxObjectId, `keys[k]` its class keys. Throws at the first bad pair, in order.
 */
export function assertSameProcessEvidence(evidence: SameProcessEvidence[], labels: string[], maxIds: number[], keys: string[][]): void {
  for (let k = 1; k < labels.length; k++) {
    assertPairFromOneProcess(evidence[k - 1], labels[k - 1], labels[k], maxIds[k - 1], maxIds[k], () => classCompositionAgreement(keys[k - 1], keys[k]));
  }
}

/** Throws a usage error (exit 2) unless every consecutive pair comes from one process, in order. */
export function assertSameProcess(graphs: HeapGraph[], labels = graphs.map((g) => g.source.file), names: NameMode = 'devtools'): SameProcessEvidence[] {
  const evidence: SameProcessEvidence[] = [];
  for (let k = 1; k < graphs.length; k++) {
    const e = checkSameProcess(graphs[k - 1], graphs[k]);
    // Pair by pair, so a bad pair is reported before later pairs are examined.
    assertPairFromOneProcess(e, labels[k - 1], labels[k], graphs[k - 1].maxOddObjectId(), graphs[k].maxOddObjectId(),
      () => classCompositionAgreement(computeClassIndex(graphs[k - 1], names).keys, computeClassIndex(graphs[k], names).keys));
    evidence.push(e);
  }
  return evidence;
}

function formatPercent(fraction: number): string {
  return `${(Math.floor(fraction * 1000) / 10).toFixed(1)}%`;
}
