#!/usr/bin/env node
// Thin entry: load the TypeScript sources through tsx, then hand over to the CLI.
import { register } from 'tsx/esm/api';
import { startGrowthWorkerEarly } from '../src/analysis/growth-worker-start.mjs';

// `growth` reads the earlier snapshots in a worker thread: let it load while the CLI does.
if (process.argv[2] === 'growth') startGrowthWorkerEarly();

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
