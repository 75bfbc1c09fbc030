// `import 'leakscope/vitest'` adds an async matcher to vitest's expect:
//
//   await expect(() => handler(request)).not.toLeak({ iterations: 50, types: ['RequestContext'] });
//
// It runs the function repeatedly in the test's own process, with snapshots before and between
// batches (measure.ts), and fails with the growth table and what holds the leaked objects. No
// --expose-gc is needed: the full GC before each snapshot goes through the inspector.
//
// Misuse fails loudly, with or without `.not`, because a gate that passes by accident is worse than
// none: a received value that is not a function, a name in `types` or `threshold` that matches no
// class (a typo would silently gate nothing), and a missing `await` (vitest does not track custom
// async matchers, so the test would end, and pass, before the measurement does: the matcher notices
// that the test finished while it was still running, fails the test and stops the measurement,
// whose temporary snapshots are removed).

import { expect, onTestFinished } from 'vitest';
import { LeakscopeError } from '../errors.ts';
import { describeLeaks } from '../report/growth-report.ts';
import { measureGrowth, type MeasureGrowthOptions } from './measure.ts';

export type ToLeakOptions = Omit<MeasureGrowthOptions, 'signal'>;

interface MatcherState {
  isNot: boolean;
}

expect.extend({
  async toLeak(this: MatcherState, received: unknown, options: ToLeakOptions = {}) {
    const assertion = `expect(fn).${this.isNot ? 'not.' : ''}toLeak()`;
    if (typeof received !== 'function') {
      // Thrown, not `pass: false`: `.not` would turn a failed match into a pass.
      throw new TypeError(`${assertion} needs a function to call repeatedly, got ${describeValue(received)}; write expect(() => yourCode()).${this.isNot ? 'not.' : ''}toLeak()`);
    }
    const abort = new AbortController();
    let isSettled = false;
    watchForMissingAwait(assertion, () => isSettled, abort);
    let measured;
    try {
      measured = await measureGrowth(received as (iteration: number) => unknown, { ...options, signal: abort.signal });
    } catch (error) {
      // Stopped because the test ended without awaiting: that test has already failed; nobody is
      // listening to this promise any more, so settle quietly rather than as an unhandled rejection.
      if (abort.signal.aborted) return { pass: this.isNot, message: () => `${assertion} was not awaited` };
      throw error;
    } finally {
      isSettled = true;
    }
    if (measured.unknownNames.length > 0) {
      throw new LeakscopeError(`${assertion}: ${measured.warnings.filter((w) => measured.unknownNames.some((name) => w.includes(JSON.stringify(name)))).join('; ')}`);
    }
    for (const warning of measured.warnings) process.emitWarning(`leakscope: ${warning}`);
    const { text: leaked } = describeLeaks(measured.gate.violations);
    return {
      pass: measured.isLeaking,
      message: () => (this.isNot
        ? `expected the function not to leak, but after ${options.iterations ?? 30} calls these grew in every batch: ${leaked}\n\n${measured.report}`
        : `expected the function to leak, but no class grew beyond its allowance\n\n${measured.report}`),
    };
  },
});

/**
 * Fails the current test if it finishes while the measurement still runs (the caller forgot
 * `await`), and stops the measurement. Outside a vitest test there is nothing to watch.
 */
function watchForMissingAwait(assertion: string, isSettled: () => boolean, abort: AbortController): void {
  try {
    onTestFinished(() => {
      if (isSettled()) return;
      abort.abort(new LeakscopeError(`${assertion} was not awaited: the test ended before the measurement`));
      throw new LeakscopeError(`${assertion} was not awaited, so it could not fail the test: write \`await ${assertion.replace('(fn)', '(() => …)')}\``);
    });
  } catch {
    // not inside a running test (e.g. called from a hook): nothing to watch
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value !== null && typeof value === 'object' && typeof (value as Promise<unknown>).then === 'function') return 'a promise (pass the function that makes it instead)';
  return typeof value;
}

declare module 'vitest' {
  interface Matchers<T = any> {
    /** Runs the received function repeatedly and checks its heap growth; use `await expect(fn).not.toLeak()`. */
    toLeak(options?: ToLeakOptions): Promise<T>;
  }
}
