#!/usr/bin/env node
// Thin entry: the CLI compiled to dist/ (`npm run build`; `npm ci` and `npm pack` run it).
import { existsSync, readFileSync } from 'node:fs';

// `--version` alone answers from package.json before anything else loads (the CLI says the same).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
  process.exit(0);
}

if (!existsSync(new URL('../dist/cli/main.js', import.meta.url))) {
  process.stderr.write('leakscope: dist/ is missing: this is a clone that was not built; run `npm ci` (or `npm run build`)\n');
  process.exit(2);
}

// Big snapshots on Linux: run again with glibc asking for huge pages (src/cli/huge-pages.ts).
const { endWithWaitingProcess, hugePagesEnvironment, runAgainWith } = await import('../dist/cli/huge-pages.js');
const { commandNameOf } = await import('../dist/cli/command-name.js');
const hugePagesEnv = hugePagesEnvironment(args);
// null: no huge pages wanted, or Node could not be started again; then the analysis runs here.
const exitCode = hugePagesEnv === null ? null : await runAgainWith(hugePagesEnv);
if (exitCode !== null) {
  process.exitCode = exitCode;
} else {
  endWithWaitingProcess();
  const { startGrowthWorkerEarly } = await import('../dist/workers/growth-worker-start.js');
  // `growth` reads the earlier snapshots in a worker thread: let it load while the CLI does.
  if (commandNameOf(args) === 'growth') startGrowthWorkerEarly();
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(args);
}
