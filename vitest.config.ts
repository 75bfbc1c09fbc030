import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Generous: with a file per core on a loaded 2-core machine (load 20), the heaviest real-program
    // tests (verdicts' fresh server runs, growth's config runs, a 300,000-row list) took 60–98 s.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest's default is one worker less than the cores: on a 2-core machine, one file at a time.
    // Much of the suite's time is spent in, or waiting for, the processes it spawns (Node programs
    // writing snapshots, the CLI where the process is tested), so every core gets a file. Measured on
    // the 2-core machine at load 2–3 with 789 tests in 85 files: 265 s and 504 s of CPU, against 357 s
    // and 680 s (780 tests) before most CLI tests ran in process (helpers/cli.ts), in the same
    // minutes. The suite is CPU-bound: two cores cannot take it below half its CPU time. Files that
    // run side by side never share a path or a port: each works in its own mkdtemp folder, inspector
    // ports are chosen free, and the fixture cache is written by atomic renames (helpers/fixtures.ts).
    maxWorkers: os.availableParallelism(),
    // The compiled CLI that test/helpers/cli.ts runs in process loads as Node loads it for a user.
    server: { deps: { external: [/\/dist\//] } },
  },
});
