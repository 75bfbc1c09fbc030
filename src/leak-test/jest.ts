// `import 'leakscope/jest'` (in a test file, or in jest's setupFilesAfterEnv) adds the `toLeak`
// matcher (to-leak.ts) to jest's expect, with the vitest matcher's semantics and messages:
//
//   await expect(() => handler(request)).not.toLeak({ iterations: 50, classes: ['RequestContext'] });
//
// jest has no per-test finish hook to call from inside a test, so an afterEach registered here asks
// every measurement started during the test whether it settled: one that did not (a missing
// `await`) fails that test and is stopped.

import { afterEach, expect } from '@jest/globals';
import { matchToLeak, type PendingMeasurement, type ToLeakOptions } from './to-leak.ts';

export type { ToLeakOptions } from './to-leak.ts';

const pendingInThisTest = new Set<PendingMeasurement>();

afterEach(() => {
  const pending = [...pendingInThisTest];
  pendingInThisTest.clear();
  for (const measurement of pending) measurement.testEnded();
});

expect.extend({
  toLeak(this: { isNot?: boolean }, received: unknown, options: ToLeakOptions = {}) {
    return matchToLeak(received, options, this.isNot === true, (pending) => pendingInThisTest.add(pending));
  },
});

declare module 'expect' {
  interface Matchers<R> {
    /** Runs the received function repeatedly and checks its heap growth; use `await expect(fn).not.toLeak()`. */
    toLeak(options?: ToLeakOptions): Promise<R>;
  }
}
