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
import { DEFAULT_MIN_DELTA, checkGateNames, evaluateGate, type GateResult, type GateSettings } from '../analysis/growth-gate.ts';
import { didYouMean, suggestClassNames } from '../analysis/class-suggestions.ts';
import { registerCleanup } from '../capture/children.ts';
import { LeakscopeError } from '../errors.ts';
import { findLeakChains } from '../analysis/leak-chains.ts';
import { nameLeakChains, renderGrowthText, type GrowthReport, type RetainerGroup } from '../report/growth-report.ts';
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
  /** Gate only these classes (display names); every other class is reported but never fails. */
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
  /** Settings that name no class of any snapshot, worded with the closest names (see unknownTypes). */
  warnings: string[];
  /** Names in `types` and per-class `threshold` keys that match no class: the gate ignores them. */
  unknownNames: string[];
}

const DEFAULTS = { iterations: 30, warmup: 5, batches: 2 };
const REPORT_LIMIT = 10;

export async function measureGrowth(fn: (iteration: number) => unknown, options: MeasureGrowthOptions = {}): Promise<MeasureGrowthResult> {
  if (typeof fn !== 'function') throw new LeakscopeError('measureGrowth: expected a function');
  const iterations = options.iterations ?? DEFAULTS.iterations;
  const warmup = options.warmup ?? DEFAULTS.warmup;
  const batches = options.batches ?? DEFAULTS.batches;
  if (!(batches >= 1 && iterations >= batches)) throw new LeakscopeError(`measureGrowth: need batches ≥ 1 and iterations ≥ batches (got ${iterations} and ${batches})`);
  const gate = gateSettings(options);
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
  // concatenated here and flattened later by fs would be a new string in the last snapshot.
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
    const verdict = evaluateGate(growth, gate);
    const last = graphs[graphs.length - 1];
    const retainers = nameLeakChains(last, findLeakChains(last, growth, verdict));
    const warnings = checkGateNames(growth, { thresholds: gate.thresholds, ignore: options.ignore ?? [] });
    const unknownNames = unknownClassNames(growth, [...(options.types ?? []), ...Object.keys(typeof options.threshold === 'object' ? options.threshold : {})]);
    for (const name of unknownNames) {
      const warning = `types/threshold name ${JSON.stringify(name)} matches no class in any snapshot${didYouMean(suggestClassNames(name, growth.knownClasses.names))}`;
      if (!warnings.some((w) => w.includes(JSON.stringify(name)))) warnings.push(warning);
    }
    const report: GrowthReport = { result: growth, gate: verdict, failOnGrowth: true, limit: REPORT_LIMIT, minDelta: gate.minDelta, retainers, warnings };
    return {
      growth,
      gate: verdict,
      isLeaking: verdict.violations.length > 0,
      retainers,
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

/** The names among `names` that are no class name or key of any snapshot. */
function unknownClassNames(growth: GrowthResult, names: string[]): string[] {
  const known = new Set([...growth.knownClasses.names, ...growth.knownClasses.keys, '*']);
  return [...new Set(names.filter((name) => !known.has(name)))];
}

/** The call's promise, if it returned one: awaiting a plain value would make a promise per call for nothing. */
function callOnce(fn: (iteration: number) => unknown, iteration: number): Promise<unknown> | undefined {
  const result = fn(iteration);
  return result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function' ? result as Promise<unknown> : undefined;
}

function gateSettings(options: MeasureGrowthOptions): GateSettings {
  const minDelta = options.minDelta ?? DEFAULT_MIN_DELTA;
  const thresholds = new Map<string, number>();
  const ignore = [...(options.ignore ?? [])];
  if (typeof options.threshold === 'number') {
    for (const name of options.types ?? ['*']) thresholds.set(name, options.threshold);
  } else if (options.threshold) {
    for (const [name, n] of Object.entries(options.threshold)) thresholds.set(name, n);
  }
  if (options.types && options.types.length > 0) {
    // Everything but the named classes is ignored: a regex that fails on exactly those names.
    const names = options.types.map((t) => t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|');
    ignore.push(`/^(?!(?:${names})$)/`);
  }
  return { thresholds, ignore, includeInternals: false, minDelta };
}
