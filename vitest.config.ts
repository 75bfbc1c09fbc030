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
    // the 2-core machine with 789 tests in 85 files: 4 min 16 s and 481 s of CPU (load 1–4), against
    // 694 s of CPU before most CLI tests ran in process (helpers/cli.ts); the suite is CPU-bound,
    // so two cores cannot take it below half its CPU time. Files that run side by side never share a
    // port: each works in its own mkdtemp folder, inspector ports are chosen free, and the fixture
    // cache is written by atomic renames (test/helpers/fixtures.ts).
    maxWorkers: os.availableParallelism(),
    // The compiled CLI that test/helpers/cli.ts runs in process loads as Node loads it for a user.
    server: { deps: { external: [/\/dist\//] } },
  },
});
