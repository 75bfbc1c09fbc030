// The in-process runner answers as the spawned binary does, byte for byte, and leaves nothing
// behind: the tests that use it would otherwise pass or fail by what ran before them.
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCli, runCliInProcess } from './cli.ts';
import { fixtureGzPath } from './fixtures.ts';

const basic = fixtureGzPath('basic');

describe('runCliInProcess', () => {
  const commandLines = [
    ['top', basic, '--limit', '5'],
    ['growth', fixtureGzPath('diff-a'), fixtureGzPath('diff-b'), '--fail-on-growth', '--threshold', '*=0', '--limit', '3'],
    ['top', basic, '--limit', '-1'],
    ['top', '/no/such.heapsnapshot'],
    ['topp'],
    ['chain', '--help'],
  ];
  for (const args of commandLines) {
    it(`leakscope ${args.join(' ').replaceAll(`${PROJECT_ROOT}/fixtures/`, '')}: the exit code, stdout and stderr of the spawned binary`, async () => {
      const spawned = runCli(args);
      expect(await runCliInProcess(args)).toEqual(spawned);
    });
  }

  it('puts back the environment, the working folder, the streams and their listeners', async () => {
    const before = {
      env: { ...process.env },
      cwd: process.cwd(),
      writes: [process.stdout.write, process.stderr.write],
      tty: [process.stdout.isTTY, process.stderr.isTTY],
      listeners: process.stdout.listeners('error').length,
    };
    process.chdir('/');
    const r = await runCliInProcess(['top', basic, '--limit', '1'], { cwd: PROJECT_ROOT, env: { LEAKSCOPE_RUNNER_CHECK: '1' } });
    expect(r.status).toBe(0);
    expect(process.cwd()).toBe('/');
    process.chdir(before.cwd);
    expect(process.env).toEqual(before.env);
    expect([process.stdout.write, process.stderr.write]).toEqual(before.writes);
    expect([process.stdout.isTTY, process.stderr.isTTY]).toEqual(before.tty);
    expect(process.stdout.listeners('error')).toHaveLength(before.listeners);
  });

  it('gives no colour whatever FORCE_COLOR the test process has, and an exit code that is not the last one', async () => {
    const saved = process.env.FORCE_COLOR;
    process.env.FORCE_COLOR = '3';
    try {
      const failed = await runCliInProcess(['growth', fixtureGzPath('diff-a'), fixtureGzPath('diff-b'), '--fail-on-growth', '--threshold', '*=0']);
      expect(failed.status).toBe(1);
      // eslint-disable-next-line no-control-regex
      expect(failed.stdout).not.toMatch(/\u001b\[/);
      expect((await runCliInProcess(['top', basic, '--limit', '1'])).status).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.FORCE_COLOR;
      else process.env.FORCE_COLOR = saved;
    }
  });
});
