// The matcher through the package's own export map, as users import it.
import 'leakscope/vitest';
import { describe, expect, it } from 'vitest';

class LeakedSession {
  constructor(readonly id: number, readonly payload = { opened: Date.now() }) {}
}
const sessions: LeakedSession[] = [];

class Scratch {
  constructor(readonly id: number) {}
}

describe('expect(fn).not.toLeak()', () => {
  it('passes on a function whose objects die with each call', async () => {
    await expect((i: number) => {
      const scratch = Array.from({ length: 20 }, (_, k) => new Scratch(i * 20 + k));
      return scratch.length;
    }).not.toLeak({ iterations: 30 });
  });

  it('fails on a function that keeps one object per call, naming the class, the delta and what holds it', async () => {
    const error = await expect((i: number) => { sessions.push(new LeakedSession(i)); })
      .not.toLeak({ iterations: 30 })
      .then(() => null, (e: Error) => e);
    expect(error).not.toBeNull();
    const message = error!.message;
    expect(message).toMatch(/expected the function not to leak, but after 30 calls these grew in every batch: .*LeakedSession \+30/);
    expect(message).toMatch(/^LeakedSession +5 → 20 → 35 +\+30/m);
    expect(message).toMatch(/What holds the 30 new LeakedSession objects:/);
    // vitest's module transform turns the module-level `sessions` into an unnamed context slot.
    expect(message).toMatch(/30×, .* → Array \[\d+\] → LeakedSession$/m);
  });

  it('rejects a non-function with a clear message, with or without .not', async () => {
    const error = await expect(42).toLeak().then(() => null, (e: Error) => e);
    expect(error?.message).toMatch(/toLeak\(\) needs a function to call repeatedly, got number/);
    // `.not` must not turn the misuse into a pass.
    const negated = await expect(42).not.toLeak().then(() => null, (e: Error) => e);
    expect(negated?.message).toMatch(/not\.toLeak\(\) needs a function/);
    const promise = Promise.resolve(1);
    const fromPromise = await expect(promise).not.toLeak().then(() => null, (e: Error) => e);
    expect(fromPromise?.message).toMatch(/got a promise \(pass the function that makes it instead\)/);
  });

  it('fails when a name in classes (here by its former name, types) matches no class, suggesting the closest, even with .not on a leaking function', async () => {
    const kept: LeakedSession[] = [];
    const error = await expect((i: number) => { kept.push(new LeakedSession(i)); })
      .not.toLeak({ iterations: 12, warmup: 2, types: ['LeakedSesion'], threshold: 0 })
      .then(() => null, (e: Error) => e);
    expect(error?.message).toMatch(/"LeakedSesion" matches no class in any snapshot \(did you mean "LeakedSession"\?\)/);
  });

  it('a function that does nothing passes: the harness itself is not measured', async () => {
    // Two batches: vitest's own RPC bookkeeping (pending task updates) can add a dozen closures in
    // one step; the harness-only case at threshold 0 runs outside vitest, in library.test.ts.
    await expect(() => undefined).not.toLeak({ warmup: 0, iterations: 10, batches: 2 });
  });
});
