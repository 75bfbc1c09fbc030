// measureGrowth: does this function leak? Runs it repeatedly in the current process with snapshots
// in between (capture/in-process.ts: written so that leakscope's own objects are not measured), then the
// `growth` analysis and gate.
// The data half of the `toLeak` matcher (vitest.ts); scripts and node:test use it directly.
//
//   warm-up × fn → snapshot 0 → (fn × iterations/batches → snapshot k) for k = 1..batches
//
// All snapshots are taken before any is read, so the parsed graphs (large) never appear in them.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { computeGrowth, type GrowthResult } from '../analysis/growth.ts';
import { ALL_CLASSES, DEFAULT_MIN_DELTA, evaluateGate, resolveGateNames, type GateResult, type GateSettings, type UnknownGateName } from '../analysis/growth-gate.ts';
import { registerCleanup } from '../capture/children.ts';
import { LeakscopeError } from '../errors.ts';
import { findLeakChains } from '../analysis/leak-chains.ts';
import { nameGrowthFindings, renderGrowthText, type GrowthReport, type RetainerGroup } from '../report/growth-report.ts';
import { PLAIN_STYLE } from '../report/style.ts';
import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { loadSnapshot } from '../snapshot/load.ts';
import { settleAndWriteSnapshot } from '../capture/in-process.ts';

export interface MeasureGrowthOptions {
  /** Calls measured after the warm-up (default 30), spread over `batches`. */
  iterations?: number;
  /** Calls before the first snapshot, so lazy allocations settle (default 5). */
  warmup?: number;
  /** Snapshots after the first (default 2); a class must grow in every batch to count. */
  batches?: number;
  /** Gate only these classes (names as findInstances takes them); the others are reported, never fail. */
  classes?: string[];
  /** The former name of `classes`, still accepted. */
  types?: string[];
  /** Objects a class may grow by: one number for every gated class, or per class name. Default:
   *  a class fails when it grew in every batch by at least `minDelta` objects in all. */
  threshold?: number | Record<string, number>;
  /** Default 10, as `growth --min-delta`. */
  minDelta?: number;
  /** Classes never to gate: exact names or `/regex/`. */
  ignore?: string[];
  /** Folder for the snapshots; default a temporary folder, removed afterwards unless `keep`. */
  dir?: string;
  keep?: boolean;
  /** Stops the measurement at the next call or snapshot (rejects with the signal's reason); temp files are removed. */
  signal?: AbortSignal;
}

export interface MeasureGrowthResult {
  growth: GrowthResult;
  gate: GateResult;
  /** A gated class grew beyond its allowance. */
  isLeaking: boolean;
  /** What holds the new objects of each violating class (up to three classes), by class key. */
  retainers: Map<string, RetainerGroup[]>;
  /** The growth table, verdict and chains as `leakscope growth` prints them (no colour). */
  report: string;
  /** Snapshot files; deleted already unless `keep` or `dir` was given. */
  snapshots: string[];
  /** Settings that name no class of any snapshot, worded with the closest names (see unknownNames). */
  warnings: string[];
  /** Names in `classes` and `threshold` keys that match no class (the gate ignores them), with warnings. */
  unknownNames: UnknownGateName[];
}

const DEFAULTS = { iterations: 30, warmup: 5, batches: 2 };
const REPORT_LIMIT = 10;

export async function measureGrowth(fn: (iteration: number) => unknown, options: MeasureGrowthOptions = {}): Promise<MeasureGrowthResult> {
  if (typeof fn !== 'function') throw new LeakscopeError('measureGrowth: expected a function');
  const iterations = options.iterations ?? DEFAULTS.iterations;
  const warmup = options.warmup ?? DEFAULTS.warmup;
  const batches = options.batches ?? DEFAULTS.batches;
  if (!(batches >= 1 && iterations >= batches)) throw new LeakscopeError(`measureGrowth: need batches ≥ 1 and iterations ≥ batches (got ${iterations} and ${batches})`);
  const isKept = options.keep === true || options.dir !== undefined;
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-measure-'));
  if (options.dir !== undefined) fs.mkdirSync(dir, { recursive: true });
  // Removed on every way out: return, throw, abort, and a process that exits or is interrupted while
  // the measurement still runs (a test that forgot its `await`).
  const removeDir = () => { if (!isKept) fs.rmSync(dir, { recursive: true, force: true }); };
  const unregister = registerCleanup(removeDir);
  // At once, not at the next checkpoint: an abort may mean the caller is going away (a test that ended).
  options.signal?.addEventListener('abort', removeDir, { once: true });
  // Built and flattened up front, so these strings exist, unchanged, in every snapshot: a path
  // concatenated here and flattened later (v8.writeHeapSnapshot flattens its argument too) would be a
  // new string in the last snapshot. Still needed: without it a function that does nothing, at
  // threshold 0, failed with (string) +14 on the first measurement of a process (library.test.ts).
  const files = Array.from({ length: batches + 1 }, (_, i) => flatString(path.join(dir, `measure-${process.pid}-${Date.now()}-${i}.heapsnapshot`)));
  const checkAborted = () => { if (options.signal?.aborted) throw options.signal.reason ?? new LeakscopeError('measureGrowth was aborted'); };
  try {
    let call = 0;
    for (let i = 0; i < warmup; i++) {
      checkAborted();
      const pending = callOnce(fn, call++);
      if (pending) await pending;
    }
    checkAborted();
    await settleAndWriteSnapshot(files[0]);
    for (let batch = 1; batch <= batches; batch++) {
      const size = Math.floor(iterations / batches) + (batch <= iterations % batches ? 1 : 0);
      for (let i = 0; i < size; i++) {
        checkAborted();
        const pending = callOnce(fn, call++);
        if (pending) await pending;
      }
      checkAborted();
      await settleAndWriteSnapshot(files[batch]);
    }
    const graphs: HeapGraph[] = [];
    for (const file of files) graphs.push(await loadSnapshot(file));
    const growth = computeGrowth(graphs, { labels: files.map((f) => path.basename(f)) });
    const { settings: gate, warnings, unknown } = resolveGateNames(growth, gateSettings(options));
    const verdict = evaluateGate(growth, gate);
    const last = graphs[graphs.length - 1];
    const findings = nameGrowthFindings(last, growth, findLeakChains(last, growth, verdict));
    const unknownNames = unknown.filter((u) => u.setting !== 'ignore');
    const report: GrowthReport = { result: growth, gate: verdict, failOnGrowth: true, limit: REPORT_LIMIT, minDelta: gate.minDelta, warnings, ...findings };
    return {
      growth,
      gate: verdict,
      isLeaking: verdict.violations.length > 0,
      retainers: findings.retainers,
      report: renderGrowthText(report, PLAIN_STYLE),
      snapshots: files,
      warnings,
      unknownNames,
    };
  } finally {
    unregister();
    options.signal?.removeEventListener('abort', removeDir);
    removeDir();
  }
}

/** A flat (sequential) copy of `text`: V8 keeps concatenations as trees until something flattens them. */
function flatString(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

/** The call's promise, if it returned one: awaiting a plain value would make a promise per call for nothing. */
function callOnce(fn: (iteration: number) => unknown, iteration: number): Promise<unknown> | undefined {
  const result = fn(iteration);
  return result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function' ? result as Promise<unknown> : undefined;
}

/** The options as gate settings, names as the user wrote them (resolveGateNames resolves them). */
function gateSettings(options: MeasureGrowthOptions): GateSettings {
  const classes = options.classes ?? options.types ?? [];
  const thresholds = new Map<string, number>();
  if (typeof options.threshold === 'number') {
    for (const name of classes.length > 0 ? classes : [ALL_CLASSES]) thresholds.set(name, options.threshold);
  } else if (options.threshold) {
    for (const [name, n] of Object.entries(options.threshold)) thresholds.set(name, n);
  }
  return {
    thresholds,
    ignore: [...(options.ignore ?? [])],
    ...(classes.length > 0 ? { classes } : {}),
    includeInternals: false,
    minDelta: options.minDelta ?? DEFAULT_MIN_DELTA,
  };
}
