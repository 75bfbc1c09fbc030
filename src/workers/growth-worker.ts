// Worker thread for `leakscope growth`: reads and summarises every snapshot before the last one
// while the main thread reads and analyses the last (growth-files.ts). Snapshot A's parse and
// dominator tree overlap snapshot B's, which is what a 2-core machine has to give.
//
// Protocol. No workerData of its own (./start.ts starts it). The job comes as a message,
// so the worker can be started before the command line is parsed (bin/leakscope.js does, for growth):
// Main → worker, first: { kind: 'job', files, labels, names, rawSizes, retained, countsOnly }.
// Main → worker, once the last snapshot is read: { kind: 'facts', interfaces, sample } (the last
// snapshot's plain-object interfaces, or null in raw naming; its same-process sample, or null with
// countsOnly).
// Worker → main, once: { ok: true, summaries, evidence } (evidence for every consecutive pair up to
// and including (second to last, last)), or { ok: false, message, exitCode } for a LeakscopeError,
// or { ok: false, crash } for anything else.

import { parentPort } from 'node:worker_threads';
import { loadSnapshot } from '../snapshot/load.ts';
import type { HeapGraph } from '../snapshot/heap-graph.ts';
import type { InterfaceDefinition, NameMode } from '../snapshot/class-names.ts';
import { LeakscopeError } from '../errors.ts';
import { computeDominatorTree } from '../analysis/dominators.ts';
import { membersBuffers } from '../analysis/members-by-id.ts';
import { summariseSnapshot, type SnapshotSummary } from '../analysis/growth.ts';
import { checkSameProcess, checkSampleAgainst, type SameProcessEvidence, type SameProcessSample } from '../analysis/same-process.ts';

export interface GrowthJob {
  kind: 'job';
  files: string[];
  labels: string[];
  names: NameMode;
  rawSizes: boolean;
  retained: boolean;
  countsOnly: boolean;
}

export interface LastSnapshotFacts {
  kind: 'facts';
  interfaces: InterfaceDefinition[] | null;
  sample: SameProcessSample | null;
}

export type GrowthWorkerAnswer =
  | { ok: true; summaries: SnapshotSummary[]; evidence: SameProcessEvidence[] }
  | { ok: false; message: string; exitCode: number }
  | { ok: false; crash: string };

const port = parentPort!;
let receiveJob!: (job: GrowthJob) => void;
let receiveFacts!: (facts: LastSnapshotFacts) => void;
const job = new Promise<GrowthJob>((resolve) => { receiveJob = resolve; });
const lastFacts = new Promise<LastSnapshotFacts>((resolve) => { receiveFacts = resolve; });
// One listener for both messages: two queued messages may be delivered before a promise resumes.
port.on('message', (message: GrowthJob | LastSnapshotFacts) => (message.kind === 'job' ? receiveJob(message) : receiveFacts(message)));

async function summariseEarlierSnapshots(data: GrowthJob): Promise<{ summaries: SnapshotSummary[]; evidence: SameProcessEvidence[] }> {
  const summaries: SnapshotSummary[] = [];
  const evidence: SameProcessEvidence[] = [];
  let previous: HeapGraph | null = null;
  for (let k = 0; k < data.files.length; k++) {
    // Sequential parse: the main thread and its edge worker already use both cores.
    const graph = await loadSnapshot(data.files[k], { parallelEdgesMinBytes: Infinity });
    if (previous !== null && !data.countsOnly) evidence.push(checkSameProcess(previous, graph));
    const isFirst = k === 0;
    // What needs nothing from the last snapshot is done while the main thread still reads it.
    if (isFirst && data.retained) computeDominatorTree(graph);
    const { interfaces } = await lastFacts;
    summaries.push(summariseSnapshot(graph, {
      names: data.names,
      rawSizes: data.rawSizes,
      interfaces: interfaces ?? undefined,
      retained: data.retained && isFirst,
      members: !data.countsOnly && isFirst,
      collections: !data.countsOnly,
      label: data.labels[k],
    }));
    previous = graph;
  }
  const { sample } = await lastFacts;
  if (sample !== null && previous !== null) evidence.push(checkSampleAgainst(previous, sample));
  return { summaries, evidence };
}

/** The summaries' typed arrays, moved rather than copied to the main thread. */
function transferables(summaries: SnapshotSummary[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const s of summaries) {
    const arrays = [
      s.counts.buffer, s.sizes.buffer, s.retained?.buffer, ...(s.members ? membersBuffers(s.members) : []),
      s.collections?.ids.buffer, s.collections?.counts.buffer, s.collections?.retained?.buffer,
    ];
    for (const buffer of arrays) if (buffer instanceof ArrayBuffer) buffers.add(buffer);
  }
  return [...buffers];
}

try {
  const { summaries, evidence } = await summariseEarlierSnapshots(await job);
  const answer: GrowthWorkerAnswer = { ok: true, summaries, evidence };
  port.postMessage(answer, transferables(summaries));
} catch (error) {
  const answer: GrowthWorkerAnswer = error instanceof LeakscopeError
    ? { ok: false, message: error.message, exitCode: error.exitCode }
    : { ok: false, crash: error instanceof Error ? error.stack ?? error.message : String(error) };
  port.postMessage(answer);
}
