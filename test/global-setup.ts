// Before any test: compile src/ to dist/, so the CLI tests, which run the compiled CLI as a user
// would, run today's sources. Skipped when nothing under src/ or the tsconfigs changed since the last
// build the tests made (tsc's own incremental check still costs 3–4 s of CPU when nothing changed).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PROJECT_ROOT } from './helpers/cli.ts';

const STAMP = path.join(PROJECT_ROOT, 'dist/.tests-built');
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json'].map((name) => path.join(PROJECT_ROOT, name));

/** The newest modification time under `file`, folders included (a deleted source changes its folder's). */
function newestChange(file: string): number {
  const stat = fs.statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(file).reduce((newest, name) => Math.max(newest, newestChange(path.join(file, name))), stat.mtimeMs);
}

export default function buildBeforeTests(): void {
  const built = fs.statSync(STAMP, { throwIfNoEntry: false })?.mtimeMs ?? -Infinity;
  if (Math.max(...INPUTS.map(newestChange)) < built) return;
  // Stamped with the time the build started: a source saved during the build is built next time.
  const started = new Date();
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  fs.writeFileSync(STAMP, '');
  fs.utimesSync(STAMP, started, started);
}
