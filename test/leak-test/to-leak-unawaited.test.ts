// A test that forgets `await` on the matcher must fail, not pass silently, and must not leave the
// measurement's snapshots behind. Runs a real vitest process on unawaited/unawaited.fixture.ts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/cli.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-unawaited-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

it('vitest run unawaited.fixture.ts → the test fails saying the matcher was not awaited; no snapshot is left', () => {
  const vitest = path.join(PROJECT_ROOT, 'node_modules/vitest/vitest.mjs');
  const r = spawnSync(process.execPath, [vitest, 'run', '--config', path.join(here, 'unawaited/vitest.config.ts'), '--root', path.join(here, 'unawaited')], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  const output = r.stdout + r.stderr;
  expect(r.status).toBe(1);
  expect(output).toMatch(/not\.toLeak\(\) was not awaited/);
  expect(output).toMatch(/1 failed/);
  expect(fs.readdirSync(tmp).filter((name) => name.startsWith('leakscope-measure-'))).toEqual([]);
});
