// `import 'leakscope/vitest'` adds an async matcher to vitest's expect:
//
//   await expect(() => handler(request)).not.toLeak({ iterations: 50, types: ['RequestContext'] });
//
// It runs the function repeatedly in the test's own process, with snapshots before and between
// batches (measure.ts), and fails with the growth table and what holds the leaked objects. No
// --expose-gc is needed: the full GC before each snapshot goes through the inspector. Remember the
// `await`: an un-awaited async matcher cannot fail the test.

import { expect } from 'vitest';
import { measureGrowth, type MeasureGrowthOptions } from './measure.ts';

export type ToLeakOptions = MeasureGrowthOptions;

interface MatcherState {
  isNot: boolean;
}

expect.extend({
  async toLeak(this: MatcherState, received: unknown, options: ToLeakOptions = {}) {
    if (typeof received !== 'function') {
      return {
        pass: false,
        message: () => `toLeak expects a function to call repeatedly, got ${received === null ? 'null' : typeof received}`,
      };
    }
    const measured = await measureGrowth(received as (iteration: number) => unknown, options);
    const leaked = measured.gate.violations.map((v) => `${v.name} +${v.delta}`).join(', ');
    return {
      pass: measured.isLeaking,
      message: () => (this.isNot
        ? `expected the function not to leak, but after ${options.iterations ?? 30} calls these grew in every batch: ${leaked}\n\n${measured.report}`
        : `expected the function to leak, but no class grew beyond its allowance\n\n${measured.report}`),
    };
  },
});

declare module 'vitest' {
  interface Matchers<T = any> {
    /** Runs the received function repeatedly and checks its heap growth; use `await expect(fn).not.toLeak()`. */
    toLeak(options?: ToLeakOptions): Promise<T>;
  }
}
