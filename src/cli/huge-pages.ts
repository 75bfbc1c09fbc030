// Big snapshots on Linux: leakscope starts itself once more with glibc asking for huge pages.
//
// Why: on a 1-2 GB snapshot the analysis touches ~2 GB of fresh memory (the graph's columns, the
// dominator tree's arrays), and the kernel faults it in 4 KB at a time. On the VM the bench runs on,
// a fresh page costs ~10-20 µs, so the faults alone cost seconds. glibc serves V8's array buffers
// and, with GLIBC_TUNABLES=glibc.malloc.hugetlb=1, asks for transparent huge pages for them
// (madvise): 2 MB per fault instead of 4 KB. The tunable is read when the process starts, so it
// cannot be set from inside: for analysis commands given a big file, the CLI re-runs itself with it
// (one extra Node process, ~40 MB, waiting for the other) and passes the exit status on.
//
// Only where it helps: Linux with glibc 2.35 or later, transparent huge pages in `madvise` mode (with
// `always` the kernel already uses them, with `never` it cannot), no `hugetlb` tunable of the
// user's own, no debugger (`--inspect`, also from NODE_OPTIONS), and a Node allowed to start
// processes (its permission model). LEAKSCOPE_HUGE_PAGES=0 turns it off, =1 forces it for any file size (tests).
// Measured and explained in docs/FORMAT.md §8.5 and the README (Performance).

import fs from 'node:fs';
import os from 'node:os';
import { spawn } from 'node:child_process';
import { commandNameOf } from './command-name.ts';

/** Below this, faults cost less than starting Node again. */
export const HUGE_PAGES_MIN_BYTES = 256 * 1024 * 1024;

/** The commands that only read snapshot files (no program of the user's to run or signal). */
const ANALYSIS_COMMANDS = new Set(['top', 'suspects', 'info', 'count', 'list', 'chain', 'refs', 'backrefs', 'growth', 'cycles', 'profile']);

const TUNABLE = 'glibc.malloc.hugetlb=1';
/** LEAKSCOPE_HUGE_PAGES: off, or forced for any file size (tests); anything else is automatic. */
const OFF = new Set(['0', 'false', 'off', 'no']);
const FORCED = new Set(['1', 'true', 'on', 'yes']);

export interface HugePagesHost {
  platform: NodeJS.Platform;
  /** glibc's version at run time ("2.36"), undefined without glibc (musl, macOS). */
  glibcVersion: string | undefined;
  /** The content of /sys/kernel/mm/transparent_hugepage/enabled, or null. */
  transparentHugePages: string | null;
  /** False under Node's permission model without --allow-child-process (spawn would throw). */
  canStartProcesses: boolean;
}

export function currentHost(): HugePagesHost {
  let transparentHugePages: string | null = null;
  try {
    transparentHugePages = fs.readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'latin1');
  } catch {
    // no such file: not Linux, or a kernel without transparent huge pages
  }
  const header = process.platform === 'linux' ? (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header : undefined;
  const canStartProcesses = process.permission?.has('child') ?? true;
  return { platform: process.platform, glibcVersion: header?.glibcVersionRuntime, transparentHugePages, canStartProcesses };
}

function isGlibcWithHugetlb(version: string | undefined): boolean {
  const match = /^(\d+)\.(\d+)/.exec(version ?? '');
  if (match === null) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > 2 || (major === 2 && minor >= 35);
}

/** Whether some argument names a regular file of at least `minBytes`. */
function namesBigFile(args: string[], minBytes: number): boolean {
  for (const arg of args) {
    if (arg.startsWith('-')) continue;
    try {
      const stat = fs.statSync(arg);
      if (stat.isFile() && stat.size >= minBytes) return true;
    } catch {
      // not a file: an option's value, a class name
    }
  }
  return false;
}

/**
 * The environment to run `args` (the CLI's arguments) again with, or null to run here. `host` is
 * asked for only when the command and the files call for huge pages.
 */
export function hugePagesEnvironment(
  args: string[], env: NodeJS.ProcessEnv = process.env, host: () => HugePagesHost = currentHost, execArgv: string[] = process.execArgv,
): NodeJS.ProcessEnv | null {
  const wanted = (env.LEAKSCOPE_HUGE_PAGES ?? '').toLowerCase();
  if (OFF.has(wanted) || !ANALYSIS_COMMANDS.has(commandNameOf(args) ?? '')) return null;
  // A debugger attached to this process would not see the analysis, and a second one cannot listen.
  // NODE_OPTIONS counts too: process.execArgv does not list its flags, and the second process gets them.
  const nodeFlags = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/).map((flag) => flag.replace(/^"/, ''))];
  if (nodeFlags.some((flag) => flag.startsWith('--inspect'))) return null;
  const tunables = env.GLIBC_TUNABLES ?? '';
  // Set already: by the user (theirs to choose), or by the run that started this one.
  if (tunables.includes('glibc.malloc.hugetlb')) return null;
  if (!FORCED.has(wanted) && !namesBigFile(args, HUGE_PAGES_MIN_BYTES)) return null;
  const { platform, glibcVersion, transparentHugePages, canStartProcesses } = host();
  if (platform !== 'linux' || !isGlibcWithHugetlb(glibcVersion) || !canStartProcesses) return null;
  if (transparentHugePages === null || !transparentHugePages.includes('[madvise]')) return null;
  return { ...env, GLIBC_TUNABLES: tunables === '' ? TUNABLE : `${tunables}:${TUNABLE}` };
}

// SIGQUIT too: left to its default, this process would quit (and dump its own core) and leave the other running.
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
/**
 * Signals whose default action writes a core file: dying of one too, this process would write a
 * core of its own waiting, over the other's where the file's name has no pid (the kernel's "core").
 */
const CORE_SIGNALS = new Set<string>(['SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGSEGV', 'SIGXCPU', 'SIGXFSZ', 'SIGSYS']);

/** Tells the second process which process waits for it (endWithWaitingProcess). */
const WAITING_PID_VARIABLE = 'LEAKSCOPE_HUGE_PAGES_PARENT';
/** How often the second process checks that the first still waits: the cost is a getppid a second. */
const WAITING_CHECK_MS = 1000;

/**
 * In the process runAgainWith started: ends it (SIGTERM, so that clean-ups run) once the process
 * that waits for it is gone, killed by a signal it could not hand on (SIGKILL) or does not (SIGUSR2):
 * no analysis runs on with nobody to report to, holding the streams of a pipeline open. Checked
 * between the analysis' steps (a timer), so within a second of a step's end.
 */
export function endWithWaitingProcess(): void {
  const waitingPid = Number(process.env[WAITING_PID_VARIABLE]);
  // Not for what this process starts in turn.
  delete process.env[WAITING_PID_VARIABLE];
  if (!(waitingPid > 0) || waitingPid !== process.ppid) return;
  setInterval(() => { if (process.ppid !== waitingPid) process.kill(process.pid, 'SIGTERM'); }, WAITING_CHECK_MS).unref();
}

/**
 * Runs this CLI again (same Node, same flags, same arguments, same standard streams) with `env`,
 * and resolves to its exit code, or to null when it could not start. Signals sent to this process
 * go to the other one (Ctrl-C reaches both: the other decides); if it dies of a signal, this process
 * dies of the same one, but for one that dumps core (SIGABRT, SIGSEGV…), which it reports on stderr
 * and exits 128 + its number with.
 */
export function runAgainWith(env: NodeJS.ProcessEnv, node: string = process.execPath): Promise<number | null> {
  // Listening before the child exists: a signal that comes while it starts (it is visible from
  // the fork on) is handled once spawn has returned, so `child` is set by then.
  const forward = (signal: NodeJS.Signals) => { child.kill(signal); };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  const child = spawn(node, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...env, [WAITING_PID_VARIABLE]: String(process.pid) } });
  return new Promise((resolve) => {
    // Node could not be started again (no more processes allowed, say): null, to run here instead.
    child.once('error', () => {
      if (child.pid !== undefined) return; // it runs: its exit decides
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
      resolve(null);
    });
    child.once('exit', (code, signal) => {
      for (const s of FORWARDED_SIGNALS) process.off(s, forward);
      if (signal !== null) {
        if (CORE_SIGNALS.has(signal)) process.stderr.write(`leakscope: the analysis (process ${child.pid}) died of ${signal}\n`);
        else process.kill(process.pid, signal);
        // A signal this process ignores (SIGPIPE) or must not die of: the shell's code for that death.
        resolve(128 + (os.constants.signals[signal] ?? 0));
        return;
      }
      resolve(code ?? 2);
    });
  });
}
