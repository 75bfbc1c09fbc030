// What one benchmark run measures: a plan of jobs (one child process per run of each job), and the
// rows of the report that show them. A job can back several rows: DevTools has one path, its full
// init, so its single measurement is the peer of both `top` and the full analysis.

import type { ChildResult, ToolName } from './child.ts';
import type { BenchSnapshot, SnapshotSet } from './snapshots.ts';

export type TaskName = 'top' | 'command' | 'full' | 'growth' | 'cycles' | 'lists' | 'suspects';
export const TASKS: TaskName[] = ['top', 'command', 'full', 'growth', 'cycles', 'lists', 'suspects'];

export interface Job {
  id: string;
  tool: ToolName;
  childTask: string;
  args: string[];
  runs: ChildResult[];
}

export interface Row {
  /** Snapshot label, or `A → B` for growth. */
  snapshot: string;
  task: TaskName;
  tool: ToolName;
  /** What the row measures, shown in the table. */
  what: string;
  jobId: string;
  /** The row this one is compared with (leakscope's row of the same task); absent on that row. */
  baselineJobId?: string;
}

export interface Summary {
  status: 'ok' | 'failed' | 'skipped';
  reason?: string;
  runs: number;
  ms?: number;
  peakRssBytes?: number;
  phases?: Record<string, number>;
  facts?: Record<string, unknown>;
}

export interface Capabilities {
  commands: string[];
  full: string;
  growth: string;
  cycles: string;
}

export interface PlanOptions {
  tasks: Set<TaskName>;
  tools: Set<ToolName>;
  capabilities: Capabilities;
}

export interface Plan {
  jobs: Map<string, Job>;
  rows: Row[];
  /** For the growth target: the job whose time is "one top" in the same conditions as growth. */
  growthReference?: { growthJobId: string; topJobId: string; how: 'CLI' | 'library' };
  /** For the long-structure targets: growth and chain --all on the list pair, and top on its second file. */
  listReference?: { growthJobId: string; chainJobId: string; topJobId: string };
}

export function makePlan(set: SnapshotSet, options: PlanOptions): Plan {
  const jobs = new Map<string, Job>();
  const rows: Row[] = [];
  const job = (tool: ToolName, childTask: string, args: string[]): string => {
    const id = `${tool}:${childTask}:${args.join(' ')}`;
    if (!jobs.has(id)) jobs.set(id, { id, tool, childTask, args, runs: [] });
    return id;
  };
  const want = (tool: ToolName) => options.tools.has(tool);

  for (const s of set.singles) {
    const lsTop = job('leakscope', 'top', [s.file]);
    if (options.tasks.has('top')) {
      rows.push({ snapshot: s.label, task: 'top', tool: 'leakscope', what: 'loadSnapshot + computeHistogram', jobId: lsTop });
      if (want('devtools')) rows.push({ snapshot: s.label, task: 'top', tool: 'devtools', what: 'full init + Summary aggregates (its only path)', jobId: job('devtools', 'summary', [s.file]), baselineJobId: lsTop });
      if (want('memlab')) rows.push({ snapshot: s.label, task: 'top', tool: 'memlab', what: 'getSnapshotFromFile + count by node name', jobId: job('memlab', 'top', [s.file]), baselineJobId: lsTop });
    }
    // The whole `leakscope top` command (class retained sizes and distances included), as a user runs
    // it: beside the library phases of `top` and `full`, and the figure issue 13's targets are about.
    if (options.tasks.has('command') && options.capabilities.commands.includes('top')) {
      const lsCommand = job('leakscope', 'cli', ['top', s.file, '--json']);
      rows.push({ snapshot: s.label, task: 'command', tool: 'leakscope', what: '`leakscope top FILE --json`: the whole command, in-process', jobId: lsCommand });
      if (want('devtools')) rows.push({ snapshot: s.label, task: 'command', tool: 'devtools', what: 'full init + Summary aggregates (same measurement as top)', jobId: job('devtools', 'summary', [s.file]), baselineJobId: lsCommand });
      if (want('memlab')) rows.push({ snapshot: s.label, task: 'command', tool: 'memlab', what: 'parse + preparePathFinder (same measurement as full)', jobId: job('memlab', 'full', [s.file]), baselineJobId: lsCommand });
    }
    if (options.tasks.has('full')) {
      const lsFull = job('leakscope', 'full', [s.file]);
      rows.push({ snapshot: s.label, task: 'full', tool: 'leakscope', what: 'top + distances + dominators + retained + class retained', jobId: lsFull });
      if (want('devtools')) rows.push({ snapshot: s.label, task: 'full', tool: 'devtools', what: 'full init + Summary aggregates (same measurement as top)', jobId: job('devtools', 'summary', [s.file]), baselineJobId: lsFull });
      if (want('memlab')) rows.push({ snapshot: s.label, task: 'full', tool: 'memlab', what: 'parse + preparePathFinder (paths, dominators, retained)', jobId: job('memlab', 'full', [s.file]), baselineJobId: lsFull });
    }
    // The whole `leakscope suspects` beside the whole `leakscope top` (issue 16: at most 1.2× it).
    if (options.tasks.has('suspects') && ['suspects', 'top'].every((c) => options.capabilities.commands.includes(c))) {
      const topCommand = job('leakscope', 'cli', ['top', s.file, '--json']);
      rows.push({ snapshot: s.label, task: 'suspects', tool: 'leakscope', what: '`leakscope suspects FILE --json`: the whole command, in-process', jobId: job('leakscope', 'cli', ['suspects', s.file, '--json']), baselineJobId: topCommand });
      rows.push({ snapshot: s.label, task: 'suspects', tool: 'leakscope', what: 'reference: `leakscope top FILE --json`', jobId: topCommand });
    }
    if (options.tasks.has('cycles')) {
      rows.push({ snapshot: s.label, task: 'cycles', tool: 'leakscope', what: 'parse + findUserCycles + findUnfinalizableRegistrations', jobId: job('leakscope', 'cycles', [s.file]) });
    }
  }

  let growthReference: Plan['growthReference'];
  if (options.tasks.has('growth') && set.growthPair) {
    const [a, b] = set.growthPair;
    const label = `${a.label} → ${b.label}`;
    const viaCli = options.capabilities.commands.includes('growth');
    const lsGrowth = viaCli ? job('leakscope', 'cli', ['growth', a.file, b.file, '--json']) : job('leakscope', 'growth', [a.file, b.file]);
    const lsTop = viaCli ? job('leakscope', 'cli', ['top', a.file, '--json']) : job('leakscope', 'top', [a.file]);
    rows.push({ snapshot: label, task: 'growth', tool: 'leakscope', what: viaCli ? '`leakscope growth A B --json`' : 'load A and B + computeGrowth (no growth command yet)', jobId: lsGrowth });
    rows.push({ snapshot: label, task: 'growth', tool: 'leakscope', what: viaCli ? 'reference: `leakscope top A --json`' : 'reference: top on A (loadSnapshot + computeHistogram)', jobId: lsTop });
    if (want('devtools')) rows.push({ snapshot: label, task: 'growth', tool: 'devtools', what: 'Comparison view: init A, aggregatesForDiff, init B, diff', jobId: job('devtools', 'growth', [a.file, b.file]), baselineJobId: lsGrowth });
    growthReference = { growthJobId: lsGrowth, topJobId: lsTop, how: viaCli ? 'CLI' : 'library' };
  }

  // A list that grew by N nodes, a million at medium size (issue 12): growth and chain --all, each
  // beside one top of the same file, all three as a user runs them.
  let listReference: Plan['listReference'];
  if (options.tasks.has('lists') && set.listPair && ['growth', 'chain', 'top'].every((c) => options.capabilities.commands.includes(c))) {
    const [a, b] = set.listPair;
    const label = `${a.label} → ${b.label}`;
    const topJobId = job('leakscope', 'cli', ['top', b.file, '--json']);
    const growthJobId = job('leakscope', 'cli', ['growth', a.file, b.file, '--json']);
    const chainJobId = job('leakscope', 'cli', ['chain', b.file, '--type', 'Link', '--all', '--json']);
    rows.push({ snapshot: label, task: 'lists', tool: 'leakscope', what: '`leakscope growth A B --json`: Link +N in one chain shape', jobId: growthJobId, baselineJobId: topJobId });
    rows.push({ snapshot: label, task: 'lists', tool: 'leakscope', what: '`leakscope chain B --type Link --all --json`: one chain shape', jobId: chainJobId, baselineJobId: topJobId });
    rows.push({ snapshot: label, task: 'lists', tool: 'leakscope', what: 'reference: `leakscope top B --json`', jobId: topJobId });
    listReference = { growthJobId, chainJobId, topJobId };
  }

  // Only jobs some row shows are run (the leakscope top of a snapshot is always a row or a baseline).
  const used = new Set(rows.flatMap((r) => [r.jobId, r.baselineJobId].filter((x): x is string => x !== undefined)));
  for (const id of [...jobs.keys()]) if (!used.has(id)) jobs.delete(id);
  return { jobs, rows, growthReference, listReference };
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median time, RSS and phases over the runs; a job with any failed run is reported as failed. */
export function summarize(job: Job): Summary {
  const skipped = job.runs.find((r) => r.skipped);
  if (skipped) return { status: 'skipped', reason: skipped.skipped, runs: job.runs.length };
  const failed = job.runs.find((r) => !r.ok);
  if (failed || job.runs.length === 0) return { status: 'failed', reason: failed?.error ?? 'not run', runs: job.runs.length };
  const phases: Record<string, number> = {};
  for (const name of Object.keys(job.runs[0].phases ?? {})) phases[name] = median(job.runs.map((r) => r.phases?.[name] ?? 0));
  return {
    status: 'ok',
    runs: job.runs.length,
    ms: median(job.runs.map((r) => r.ms ?? 0)),
    peakRssBytes: median(job.runs.map((r) => r.peakRssBytes ?? 0)),
    phases,
    facts: job.runs[0].facts,
  };
}

export function snapshotByLabel(set: SnapshotSet): Map<string, BenchSnapshot> {
  const map = new Map<string, BenchSnapshot>();
  for (const s of [...set.singles, ...(set.growthPair ?? [])]) map.set(s.label, s);
  return map;
}
