import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { currentHost, hugePagesEnvironment, HUGE_PAGES_MIN_BYTES, runAgainWith, type HugePagesHost } from '../../src/cli/huge-pages.ts';
import { BIN, PROJECT_ROOT, runCliInProcess } from '../helpers/cli.ts';
import { fixtureGzPath } from '../helpers/fixtures.ts';

const LINUX: HugePagesHost = { platform: 'linux', glibcVersion: '2.36', transparentHugePages: 'always [madvise] never\n', canStartProcesses: true };
const host = (changes: Partial<HugePagesHost> = {}) => () => ({ ...LINUX, ...changes });
const noHost = () => { throw new Error('the host was asked about'); };

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-huge-pages-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('when the CLI runs again with huge pages (cli/huge-pages.ts)', () => {
  const small = fixtureGzPath('basic');
  // Sparse: as big as a big snapshot to stat, nothing on disk.
  const big = path.join(scratch, 'big.heapsnapshot');
  fs.writeFileSync(big, '');
  fs.truncateSync(big, HUGE_PAGES_MIN_BYTES);

  it('for an analysis command given a file of at least 256 MiB, on Linux with glibc ≥ 2.35 and THP in madvise mode', () => {
    expect(hugePagesEnvironment(['top', big], {}, host())?.GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=1');
    expect(hugePagesEnvironment(['growth', small, big, '--json'], { PATH: '/bin' }, host())).toEqual({ PATH: '/bin', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' });
    // The user's own tunables are kept.
    expect(hugePagesEnvironment(['suspects', big], { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, host())?.GLIBC_TUNABLES).toBe('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
    expect(hugePagesEnvironment(['top', small], { LEAKSCOPE_HUGE_PAGES: '1' }, host())?.GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=1');
  });

  it('not for small files, other commands, a tunable already set or LEAKSCOPE_HUGE_PAGES=0 (without asking the host)', () => {
    expect(hugePagesEnvironment(['top', small, '--limit', '5'], {}, noHost)).toBeNull();
    expect(hugePagesEnvironment(['top', big.slice(0, -1)], {}, noHost)).toBeNull();
    for (const command of ['run', 'snapshot', 'watch', 'demo', '--help']) expect(hugePagesEnvironment([command, big], {}, noHost)).toBeNull();
    expect(hugePagesEnvironment(['top', big], { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }, noHost)).toBeNull();
    expect(hugePagesEnvironment(['top', big], { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' }, noHost)).toBeNull();
    expect(hugePagesEnvironment(['top', big], { LEAKSCOPE_HUGE_PAGES: '0' }, noHost)).toBeNull();
    expect(hugePagesEnvironment(['top', big], {}, noHost, ['--inspect-brk=0'])).toBeNull();
    expect(hugePagesEnvironment(['top', big], {}, host(), ['--max-old-space-size=8000'])).not.toBeNull();
  });

  it('not under a debugger started from NODE_OPTIONS, which process.execArgv does not list', () => {
    for (const options of ['--inspect', '--max-old-space-size=8000 --inspect-brk=0', '"--inspect=127.0.0.1:0"']) {
      expect(hugePagesEnvironment(['top', big], { NODE_OPTIONS: options }, noHost, []), options).toBeNull();
    }
    expect(hugePagesEnvironment(['top', big], { NODE_OPTIONS: '--max-old-space-size=8000' }, host(), [])).not.toBeNull();
  });

  it('finds the command after global options, and takes LEAKSCOPE_HUGE_PAGES as off, forced or automatic', () => {
    expect(hugePagesEnvironment(['--debug', 'top', big], {}, host())).not.toBeNull();
    expect(hugePagesEnvironment(['--source-maps', 'maps', 'suspects', big], {}, host())).not.toBeNull();
    expect(hugePagesEnvironment(['--source-maps', 'top', 'run', big], {}, noHost)).toBeNull();
    for (const off of ['0', 'false', 'OFF', 'no']) expect(hugePagesEnvironment(['top', big], { LEAKSCOPE_HUGE_PAGES: off }, noHost)).toBeNull();
    for (const on of ['1', 'true', 'On', 'yes']) expect(hugePagesEnvironment(['top', small], { LEAKSCOPE_HUGE_PAGES: on }, host())).not.toBeNull();
    expect(hugePagesEnvironment(['top', small], { LEAKSCOPE_HUGE_PAGES: 'auto' }, noHost)).toBeNull();
  });

  it('leaves the analysis to this process when Node cannot be started again', async () => {
    const listeners = process.listenerCount('SIGTERM');
    expect(await runAgainWith({ ...process.env }, path.join(scratch, 'no-such-node'))).toBeNull();
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
  });

  it('not where glibc or the kernel cannot give huge pages, or gives them anyway', () => {
    for (const changes of [
      { platform: 'darwin' as const }, { glibcVersion: undefined }, { glibcVersion: '2.34' },
      { transparentHugePages: null }, { transparentHugePages: 'always madvise [never]\n' }, { transparentHugePages: '[always] madvise never\n' },
      { canStartProcesses: false },
    ]) {
      expect(hugePagesEnvironment(['top', big], {}, host(changes))).toBeNull();
    }
    expect(hugePagesEnvironment(['top', big], {}, host({ glibcVersion: '3.1' }))).not.toBeNull();
  });
});

// This machine, as it is: where it cannot give huge pages there is nothing to run again.
const canRunAgain = hugePagesEnvironment(['top'], { LEAKSCOPE_HUGE_PAGES: '1' }, currentHost) !== null;

/** The binary, forced to run again, and the process it started (its environment read from /proc). */
async function startForced(args: string[], extraEnv: Record<string, string> = {}, command: string[] = [process.execPath]) {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', LEAKSCOPE_HUGE_PAGES: '1', ...extraEnv };
  delete env.FORCE_COLOR;
  const cli = spawn(command[0], [...command.slice(1), BIN, ...args], { cwd: PROJECT_ROOT, env });
  let stdout = '';
  let stderr = '';
  cli.stdout.on('data', (d) => { stdout += d; });
  cli.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve) => cli.once('close', (status, signal) => resolve({ status, signal })));
  let child = 0;
  for (let k = 0; k < 1000 && child === 0 && cli.exitCode === null; k++) {
    try {
      child = Number(fs.readFileSync(`/proc/${cli.pid}/task/${cli.pid}/children`, 'utf8').trim().split(' ')[0]) || 0;
    } catch {
      break;
    }
    if (child === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  // Until it has exec'd, the fork still shows this side's environment.
  let childEnv = '';
  for (let k = 0; k < 1000 && child !== 0 && !childEnv.includes('GLIBC_TUNABLES='); k++) {
    try {
      childEnv = fs.readFileSync(`/proc/${child}/environ`, 'utf8');
    } catch {
      break;
    }
    if (!childEnv.includes('GLIBC_TUNABLES=')) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { cli, child, childEnv, exited, output: () => ({ stdout, stderr }) };
}

describe.skipIf(!canRunAgain)('running again, on this machine', () => {
  it('passes the arguments, the streams and the exit code through, and leaves no process behind', async () => {
    const args = ['top', fixtureGzPath('leaky-server-3'), '--limit', '5'];
    const run = await startForced(args);
    expect(run.child).toBeGreaterThan(0);
    expect(run.childEnv.split('\0')).toContain('GLIBC_TUNABLES=glibc.malloc.hugetlb=1');
    const { status } = await run.exited;
    expect(status).toBe(0);
    expect(run.output().stdout).toBe((await runCliInProcess(args)).stdout);
    expect(() => process.kill(run.child, 0)).toThrow();

    const missing = await startForced(['top', path.join(scratch, 'missing.heapsnapshot')]);
    expect((await missing.exited).status).toBe(2);
    expect(missing.output().stderr).toBe(`leakscope: ${path.join(scratch, 'missing.heapsnapshot')}: no such file\n`);
  }, 60_000);

  it('node --experimental-permission leakscope info FILE: runs here when it may not start a process (no --allow-child-process)', async () => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', LEAKSCOPE_HUGE_PAGES: '1' };
    delete env.FORCE_COLOR;
    // Node 20 has only the experimental flag's name.
    const permission = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
    const cli = spawn(process.execPath, [permission, '--allow-fs-read=*', '--no-warnings', BIN, 'info', fixtureGzPath('basic')], { cwd: PROJECT_ROOT, env });
    let stdout = '';
    let stderr = '';
    cli.stdout.on('data', (d) => { stdout += d; });
    cli.stderr.on('data', (d) => { stderr += d; });
    const status = await new Promise((resolve) => cli.once('close', resolve));
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toContain('nodes');
  }, 60_000);

  it('NODE_OPTIONS=--inspect leakscope info FILE: one process, one debugger listening', async () => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', LEAKSCOPE_HUGE_PAGES: '1', NODE_OPTIONS: '--inspect=127.0.0.1:0' };
    delete env.FORCE_COLOR;
    const cli = spawn(process.execPath, [BIN, 'info', fixtureGzPath('basic')], { cwd: PROJECT_ROOT, env });
    let stderr = '';
    cli.stderr.on('data', (d) => { stderr += d; });
    cli.stdout.resume();
    const status = await new Promise((resolve) => cli.once('close', resolve));
    expect(status).toBe(0);
    expect(stderr.match(/Debugger listening/g)).toHaveLength(1);
  }, 60_000);

  // Keeps the second process alive once its command is done (a ref'd timer), as a long analysis would.
  const keepAlive = path.join(scratch, 'keep-alive.mjs');
  fs.writeFileSync(keepAlive, "if (process.env.GLIBC_TUNABLES?.includes('hugetlb')) setInterval(() => {}, 1000);\n");
  const KEEP_ALIVE = { NODE_OPTIONS: `--import ${pathToFileURL(keepAlive).href}` };

  it('ends the second process when the first is gone (SIGKILL cannot be handed on)', async () => {
    const run = await startForced(['info', fixtureGzPath('basic')], KEEP_ALIVE);
    expect(run.child).toBeGreaterThan(0);
    try {
      for (let k = 0; k < 2000 && !run.output().stdout.includes('nodes'); k++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(run.output().stdout).toContain('nodes');
      // 'exit', not 'close': the streams stay open while the second process holds them.
      const parentExit = new Promise((resolve) => run.cli.once('exit', (status, signal) => resolve({ status, signal })));
      run.cli.kill('SIGKILL');
      expect(await parentExit).toEqual({ status: null, signal: 'SIGKILL' });
      const isAlive = () => { try { process.kill(run.child, 0); return true; } catch { return false; } };
      for (let k = 0; k < 500 && isAlive(); k++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(isAlive()).toBe(false);
    } finally {
      try { process.kill(run.child, 'SIGKILL'); } catch { /* gone, as it should be */ }
    }
  }, 60_000);

  it('exits 134 when the second process aborts (SIGABRT: a V8 fatal error), leaving its core file the only one', async () => {
    // No core files from this test, whatever the machine's limit.
    const run = await startForced(['info', fixtureGzPath('basic')], KEEP_ALIVE, ['/bin/sh', '-c', 'ulimit -c 0 && exec "$@"', 'sh', process.execPath]);
    expect(run.child).toBeGreaterThan(0);
    for (let k = 0; k < 2000 && !run.output().stdout.includes('nodes'); k++) await new Promise((resolve) => setTimeout(resolve, 10));
    process.kill(run.child, 'SIGABRT');
    // Dying of SIGABRT too, the waiting process would write a core of its own, over the other's
    // where the core file's name has no pid (core_pattern "core", the kernel's default).
    expect(await run.exited).toEqual({ status: 134, signal: null });
    expect(run.output().stderr).toBe(`leakscope: the analysis (process ${run.child}) died of SIGABRT\n`);
  }, 60_000);

  it('hands a SIGQUIT on: the analysis quits (and would dump its core), the waiting process exits 131', async () => {
    const run = await startForced(['info', fixtureGzPath('basic')], KEEP_ALIVE, ['/bin/sh', '-c', 'ulimit -c 0 && exec "$@"', 'sh', process.execPath]);
    expect(run.child).toBeGreaterThan(0);
    for (let k = 0; k < 2000 && !run.output().stdout.includes('nodes'); k++) await new Promise((resolve) => setTimeout(resolve, 10));
    run.cli.kill('SIGQUIT');
    expect(await run.exited).toEqual({ status: 131, signal: null });
    expect(run.output().stderr).toBe(`leakscope: the analysis (process ${run.child}) died of SIGQUIT\n`);
    expect(() => process.kill(run.child, 0)).toThrow();
  }, 60_000);

  it('hands a SIGTERM on and dies of it, as the command would have', async () => {
    const run = await startForced(['growth', fixtureGzPath('clean-server-1'), fixtureGzPath('leaky-server-1'), fixtureGzPath('leaky-server-2'), fixtureGzPath('leaky-server-3')]);
    expect(run.child).toBeGreaterThan(0);
    run.cli.kill('SIGTERM');
    expect(await run.exited).toEqual({ status: null, signal: 'SIGTERM' });
    expect(() => process.kill(run.child, 0)).toThrow();
  }, 60_000);
});
