// How many cases a statistical test runs (seeded fuzzing, fresh program runs): in `npm test` enough
// that the test still fails when the behaviour breaks, and the full counts under
// `npm run bench:noise`, which runs those test files again with LEAKSCOPE_FULL_COUNTS=1.

/** The environment variable bench/noise.ts sets to run the statistical tests in full. */
export const FULL_COUNTS_ENV = 'LEAKSCOPE_FULL_COUNTS';

export function caseCount(quick: number, full: number): number {
  return process.env[FULL_COUNTS_ENV] === '1' ? full : quick;
}
