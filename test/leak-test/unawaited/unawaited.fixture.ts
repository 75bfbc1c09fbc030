// Run by ../to-leak-unawaited.test.ts in its own vitest process: a test that forgets `await`.
import 'leakscope/vitest';
import { expect, it } from 'vitest';

const kept: object[] = [];

it('forgets to await the matcher', () => {
  void expect(() => { kept.push({ at: Date.now() }); }).not.toLeak({ iterations: 20 });
});
