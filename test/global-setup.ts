// Before any test: compile src/ to dist/ (incremental: a second or two when nothing changed), so the
// CLI tests, which run bin/leakscope.js as a user would, run today's sources.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { PROJECT_ROOT } from './helpers/cli.ts';

export default function buildBeforeTests(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
}
