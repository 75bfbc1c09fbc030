// The `toLeak` matcher, for any test runner whose expect.extend follows jest's contract (vitest,
// jest): `await expect(() => handler(request)).not.toLeak({ iterations: 50, classes: ['RequestContext'] })`.
// It runs the function repeatedly in the test's own process, with snapshots before and between
// batches (measure.ts), and fails with the growth table and what holds the leaked objects.
//
// Misuse fails loudly, with or without `.not`, because a gate that passes by accident is worse than
// none: a received value that is not a function, a name in `classes` or `threshold` that matches no
// class (a typo would silently gate nothing), and a missing `await` (runners do not wait for custom
// async matchers, so the test would end, and pass, before the measurement does: each runner's glue
// tells this module when the test ended, and a measurement still running then fails that test and
// is stopped, its temporary snapshots removed).

import { LeakscopeError } from '../errors.ts';
import { describeLeaks } from '../report/growth-report.ts';
import { measureGrowth, type MeasureGrowthOptions } from './measure.ts';

export type ToLeakOptions = Omit<MeasureGrowthOptions, 'signal'>;

export interface MatcherResult {
  pass: boolean;
  message: () => string;
}

/** A measurement in flight: the runner glue calls `testEnded` when the test that started it ends. */
export interface PendingMeasurement {
  /** Fails (throws) when the measurement has not settled: the caller forgot `await`. */
  testEnded(): void;
}

/**
 * The matcher's work. `watch` is called at once, before anything is awaited, with the handle the
 * runner glue uses to report the end of the test.
 */
export async function matchToLeak(received: unknown, options: ToLeakOptions, isNot: boolean, watch: (pending: PendingMeasurement) => void): Promise<MatcherResult> {
  const assertion = `expect(fn).${isNot ? 'not.' : ''}toLeak()`;
  if (typeof received !== 'function') {
    // Thrown, not `pass: false`: `.not` would turn a failed match into a pass.
    throw new TypeError(`${assertion} needs a function to call repeatedly, got ${describeValue(received)}; write expect(() => yourCode()).${isNot ? 'not.' : ''}toLeak()`);
  }
  const abort = new AbortController();
  let isSettled = false;
  watch({
    testEnded() {
      if (isSettled) return;
      abort.abort(new LeakscopeError(`${assertion} was not awaited: the test ended before the measurement`));
      throw new LeakscopeError(`${assertion} was not awaited, so it could not fail the test: write \`await ${assertion.replace('(fn)', '(() => …)')}\``);
    },
  });
  let measured;
  try {
    measured = await measureGrowth(received as (iteration: number) => unknown, { ...options, signal: abort.signal });
  } catch (error) {
    // Stopped because the test ended without awaiting: that test has already failed; nobody is
    // listening to this promise any more, so settle quietly rather than as an unhandled rejection.
    if (abort.signal.aborted) return { pass: isNot, message: () => `${assertion} was not awaited` };
    throw error;
  } finally {
    isSettled = true;
  }
  if (measured.unknownNames.length > 0) {
    throw new LeakscopeError(`${assertion}: ${measured.unknownNames.map((u) => u.warning).join('; ')}`);
  }
  for (const warning of measured.warnings) process.emitWarning(`leakscope: ${warning}`);
  const { text: leaked } = describeLeaks(measured.gate.violations);
  return {
    pass: measured.isLeaking,
    message: () => (isNot
      ? `expected the function not to leak, but after ${options.iterations ?? 30} calls these grew in every batch: ${leaked}\n\n${measured.report}`
      : `expected the function to leak, but no class grew beyond its allowance\n\n${measured.report}`),
  };
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object' && typeof (value as Promise<unknown>).then === 'function') return 'a promise (pass the function that makes it instead)';
  return typeof value;
}
