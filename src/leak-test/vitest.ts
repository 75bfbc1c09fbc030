// `import 'leakscope/vitest'` adds the `toLeak` matcher (to-leak.ts) to vitest's expect:
//
//   await expect(() => handler(request)).not.toLeak({ iterations: 50, classes: ['RequestContext'] });
//
// vitest's onTestFinished tells the matcher when the test ended, so a missing `await` fails the test.

import { expect, onTestFinished } from 'vitest';
import { matchToLeak, type PendingMeasurement, type ToLeakOptions } from './to-leak.ts';

export type { ToLeakOptions } from './to-leak.ts';

interface MatcherState {
  isNot: boolean;
}

expect.extend({
  toLeak(this: MatcherState, received: unknown, options: ToLeakOptions = {}) {
    return matchToLeak(received, options, this.isNot, watchTest);
  },
});

function watchTest(pending: PendingMeasurement): void {
  try {
    onTestFinished(() => pending.testEnded());
  } catch {
    // not inside a running test (e.g. called from a hook): nothing to watch
  }
}

declare module 'vitest' {
  interface Matchers<T = any> {
    /** Runs the received function repeatedly and checks its heap growth; use `await expect(fn).not.toLeak()`. */
    toLeak(options?: ToLeakOptions): Promise<T>;
  }
}
