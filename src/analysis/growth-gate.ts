// The CI gate over a GrowthResult: which classes grew beyond their allowance.
//
// Rules, chosen to keep CI quiet on a healthy program and loud on a real leak:
//   - A class can only violate when its count grew at *every* step of the series (monotonic). With
//     two snapshots that is just "grew"; with three or more, one-off warm-up growth (lazy compilation,
//     first-use caches) drops out because it does not repeat.
//   - Its allowance is, in order: an explicit threshold for its name or key (`--threshold NAME=N`),
//     the catch-all `*=N`, or `minDelta − 1` (default minDelta 10: growth by fewer than 10 objects
//     is noise). It violates when its count delta exceeds the allowance; `NAME=0` fails on any growth.
//   - Ignored classes (`--ignore NAME|/regex/`) never violate. V8 internals (V8_INTERNAL_CLASSES)
//     are ignored too unless `includeInternals` is set or a threshold names them explicitly.
//   - `thresholdBytes`: the Σ self-size growth of the classes the gate watches (internals and
//     ignored classes excluded, monotonic or not) must not exceed it.
//
// Pure: settings and a growth result in, violations out; printing and exit codes are the CLI's.

import type { ClassGrowth, GrowthResult } from './growth.ts';

/**
 * Classes that are V8's own bookkeeping, not objects a program allocates. They grow for a long time
 * in a healthy process as V8 compiles, optimises and deoptimises code, collects type feedback and
 * creates hidden classes (measured on the clean server fixture: `(compiled code)` +342 over two
 * batches of requests, with nothing leaking), and their growth is a consequence, never a cause:
 *   (compiled code)  code, bytecode, SharedFunctionInfos, feedback vectors, deopt data, scope infos;
 *   (system)         hidden internals (`system / …`: property cells, weak array lists, oddballs…);
 *   (object shape)   hidden classes (Maps), descriptor and transition arrays;
 *   (array)          internal FixedArrays whose bytes DevTools did not move to a single owner —
 *                    backing stores that grow with (and are reported by) their owning objects.
 * Not internals: strings, numbers, symbols, bigints (program data that a leak often consists of),
 * closures (`Function`) and their contexts (`system / Context`, which hold captured variables).
 */
export const V8_INTERNAL_CLASSES: readonly string[] = ['(compiled code)', '(system)', '(object shape)', '(array)'];

export const DEFAULT_MIN_DELTA = 10;
/** The name a threshold uses for "every class". */
export const ALL_CLASSES = '*';
/** The pseudo-class a byte-threshold violation is reported under. */
export const TOTAL_BYTES_NAME = '(total self size)';

export interface GateSettings {
  /** Per class name (or key) allowance; `*` for every class. */
  thresholds: Map<string, number>;
  /** Allowance on the total self-size growth of watched classes, in bytes. */
  thresholdBytes?: number;
  /** Exact class names/keys, or `/regex/flags` tested against the name. */
  ignore: string[];
  includeInternals: boolean;
  minDelta: number;
}

export type ViolationRule = 'min-delta' | 'threshold' | 'threshold-bytes';

export interface Violation {
  name: string;
  key: string;
  /** Count growth (objects), or byte growth for `threshold-bytes`. */
  delta: number;
  /** The allowance that was exceeded: the largest delta that would have passed. */
  limit: number;
  rule: ViolationRule;
}

export type ClassVerdict = 'watched' | 'ignored' | 'internal';

export interface GateResult {
  violations: Violation[];
  /** Per class of the growth result (same order): whether the gate watched it. */
  verdicts: ClassVerdict[];
}

export function defaultGateSettings(): GateSettings {
  return { thresholds: new Map(), ignore: [], includeInternals: false, minDelta: DEFAULT_MIN_DELTA };
}

/** A compiled `--ignore` list: exact names/keys plus regular expressions. */
export interface IgnoreMatcher {
  matches(name: string, key: string): boolean;
}

/** `/regex/flags` is a regular expression; anything else an exact class name or key. Throws SyntaxError on a bad regex. */
export function compileIgnore(patterns: string[]): IgnoreMatcher {
  const exact = new Set<string>();
  const regexes: RegExp[] = [];
  for (const pattern of patterns) {
    const m = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
    if (m) regexes.push(new RegExp(m[1], m[2]));
    else exact.add(pattern);
  }
  return {
    matches: (name, key) => exact.has(name) || exact.has(key) || regexes.some((r) => { r.lastIndex = 0; return r.test(name); }),
  };
}

export function isV8Internal(name: string): boolean {
  return V8_INTERNAL_CLASSES.includes(name);
}

export function evaluateGate(result: GrowthResult, settings: GateSettings): GateResult {
  const ignore = compileIgnore(settings.ignore);
  const catchAll = settings.thresholds.get(ALL_CLASSES);
  const violations: Violation[] = [];
  const verdicts: ClassVerdict[] = [];
  let watchedBytes = 0;
  for (const c of result.classes) {
    const explicit = explicitThreshold(settings.thresholds, c);
    const verdict: ClassVerdict = ignore.matches(c.name, c.key) ? 'ignored'
      : isV8Internal(c.name) && !settings.includeInternals && explicit === undefined ? 'internal'
        : 'watched';
    verdicts.push(verdict);
    if (verdict !== 'watched') continue;
    watchedBytes += c.sizeDelta;
    if (!c.monotonic) continue;
    const limit = explicit ?? catchAll ?? settings.minDelta - 1;
    if (c.delta > limit) {
      violations.push({ name: c.name, key: c.key, delta: c.delta, limit, rule: explicit !== undefined || catchAll !== undefined ? 'threshold' : 'min-delta' });
    }
  }
  if (settings.thresholdBytes !== undefined && watchedBytes > settings.thresholdBytes) {
    violations.push({ name: TOTAL_BYTES_NAME, key: TOTAL_BYTES_NAME, delta: watchedBytes, limit: settings.thresholdBytes, rule: 'threshold-bytes' });
  }
  return { violations, verdicts };
}

function explicitThreshold(thresholds: Map<string, number>, c: ClassGrowth): number | undefined {
  return thresholds.get(c.key) ?? thresholds.get(c.name);
}

/** Parses `NAME=N` (the name may itself contain `=`; the last one splits). */
export function parseThreshold(text: string): [string, number] {
  const at = text.lastIndexOf('=');
  const name = at > 0 ? text.slice(0, at) : '';
  const value = at > 0 ? text.slice(at + 1).trim() : '';
  if (name === '' || !/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new SyntaxError(`expected NAME=N with a whole number N ≥ 0 (e.g. RequestContext=0 or '*=100'), got ${JSON.stringify(text)}`);
  }
  return [name, Number(value)];
}
