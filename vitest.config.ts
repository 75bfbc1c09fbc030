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
    // Most of the suite's time is spent in the processes it spawns (the CLI, Node programs writing
    // snapshots), so every core gets a file. Files that run side by side never share a path or a
    // port: each works in its own mkdtemp folder, inspector ports are chosen free, and the fixture
    // cache is written by atomic renames (test/helpers/fixtures.ts).
    maxWorkers: os.availableParallelism(),
    // The compiled CLI that test/helpers/cli.ts runs in process loads as Node loads it for a user.
    server: { deps: { external: [/\/dist\//] } },
  },
});
