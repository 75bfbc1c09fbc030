// A heap snapshot of another, running Node process (`leakscope snapshot --pid PID`), without a restart,
// leaving the process as it was found:
//
//  1. check the pid: it exists (ESRCH), is ours (EPERM), and its executable looks like Node — SIGUSR1
//     terminates most other programs, so we refuse to send it to one that is not Node;
//  2. work out where it would open its inspector: its --inspect-port setting as Node reads it from the
//     command line and NODE_OPTIONS (inspector-flags.ts), or --port;
//  3. look there first: an inspector already open in the target is used and left open; one that
//     belongs to another process, or another program on the port, is a clear error;
//  4. refuse, before any signal, a target whose inspector would listen beyond loopback (0.0.0.0, a
//     public address). SIGUSR1 would hand a debugger — code execution — to the network, and nothing
//     can move it to loopback: the host is fixed when Node starts, process.debugPort changes only the
//     port. So it is refused with the restart that fixes it, not handled. Also refused up front: a
//     target that cannot be closed again (--inspect-publish-uid without http lists no session to
//     connect to) or that ignores SIGUSR1 (--disable-sigusr1);
//  5. activate the inspector as `node inspect -p` does (process._debugProcess: SIGUSR1 on POSIX, a
//     remote thread on Windows). This cannot be taken back: a target blocked in a synchronous call
//     (execSync, a native addon) opens it when the call returns, seconds or minutes later. A busy JS
//     loop does not delay it: V8 interrupts the loop to open it;
//  6. find it: on Linux, the new listening socket the target holds (listening-sockets.ts) — which
//     also gives a random port (--inspect-port=0) and the real address, checked again: an inspector
//     found listening beyond loopback after all (a setting we could not read) is closed at once — and
//     elsewhere the expected port; either answers http://HOST/json/list from the inspector's own
//     thread even while the target's main thread is blocked;
//  7. connect to ws://HOST:PORT/<id> — always the loopback address we chose, never a host taken from
//     the answer — and confirm with Runtime.evaluate(process.pid) that it is the right process;
//  8. stream the snapshots to disk (inspector.ts), then close the inspector by evaluating
//     `inspector.close()` in the target. close() drops every connection at once, including ours, so
//     it is scheduled with setTimeout to let the evaluate reply arrive first. `node:inspector` is
//     reached through process.getBuiltinModule (Node ≥ 20.16, works in ESM apps where `require` is
//     not defined) or, on older Node, the `require` of the inspector's command-line API
//     (includeCommandLineAPI), which Node provides in CJS and ESM programs alike. (process._debugEnd
//     also closes it, but is undocumented.) We then wait for the port to stop answering.
//
// Every way out between 5 and a confirmed close — an error, --timeout, Ctrl-C or SIGTERM — ends in
// leaveClosed(): the inspector is closed from here if the target answers within a moment; otherwise a
// detached watcher process (inspector-watcher.ts) goes on looking for it and closes it as soon as the
// target responds, for up to WATCH_MS. leakscope itself exits at once with its error or signal.

import fs from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import { LeakscopeError } from '../errors.ts';
import { nodeArgsFor, siblingModule } from '../worker-threads.ts';
import { defaultSnapshotPath, streamHeapSnapshot, type ProtocolClient, type SnapshotFileResult } from './inspector.ts';
import { isLoopbackHost, readInspectorConfig, type InspectorConfig } from './inspector-flags.ts';
import { listeningSocketsOf } from './listening-sockets.ts';

const LOOPBACK = '127.0.0.1';
/** Activation normally takes a few ms; a busy JS loop delays it by well under a second. */
export const DEFAULT_ACTIVATION_TIMEOUT_MS = 5000;
const CLOSE_TIMEOUT_MS = 3000;
/** On Ctrl-C the user is waiting: this long to close the inspector from here, then the watcher takes over. */
const INTERRUPT_CLOSE_MS = 1000;
/** After an error the target answered a moment ago (or never will): a little longer before the watcher. */
const ERROR_CLOSE_MS = 2000;
/** How long the watcher waits for a blocked target: a reported case blocked for 20 s; minutes cover slow startups and long sync work. */
export const WATCH_MS = 5 * 60_000;
const POLL_MS = 50;
/** The watcher's pace: an idle probe of a closed port is one refused connection. */
const WATCH_POLL_MS = 200;
const WATCHER_ENTRY = siblingModule(import.meta.url, 'inspector-watcher');

export interface RemoteSnapshotOptions {
  pid: number;
  file?: string;
  /** Inspector port; default: the target's own --inspect-port, else 9229. */
  port?: number;
  /** Send SIGUSR1 even if the executable does not look like Node (Electron, a renamed binary). */
  force?: boolean;
  collectGarbage?: boolean;
  /**
   * Snapshots to take over ONE connection (default 1), `intervalMs` apart. Object ids are only
   * comparable between snapshots of one session: when a session ends V8 clears its id map, so two
   * separate `snapshot --pid` runs cannot be compared by id (growth refuses them; --counts-only works).
   */
  count?: number;
  intervalMs?: number;
  /** How long to wait for the activated inspector to open and answer (default 5 s). */
  timeoutMs?: number;
  /** Progress lines for the user (stderr in the CLI). */
  onStatus?: (message: string) => void;
}

export interface RemoteSnapshotResult {
  /** In the order taken. */
  snapshots: SnapshotFileResult[];
  pid: number;
  port: number;
  /** True when the inspector was open before leakscope came (and so was left open). */
  wasAlreadyOpen: boolean;
  /** True when leakscope opened the inspector and saw it closed again afterwards. */
  isClosedAfterwards: boolean;
  /** When it could not be seen closed: what was done about it (a watcher process closes it later). */
  closeNote?: string;
}

/**
 * An inspector leakscope asked a process to open: what it takes to find and close it, here or in the
 * watcher process (which receives it as JSON).
 */
export interface Activation {
  pid: number;
  /** Field 22 of /proc/PID/stat: tells the process we signalled from a later one with its pid. */
  startTime?: string;
  /** The loopback address to connect to. */
  host: string;
  /** Where to look without /proc, most likely first: --port, then the target's setting. */
  ports: number[];
  /** Inodes of the sockets the target listened on before SIGUSR1; absent without /proc. */
  baseline?: number[];
}

interface FoundInspector {
  host: string;
  port: number;
  targets: InspectorTarget[];
  /** The non-loopback address it listens on, when it does. */
  exposedOn?: string;
}

export async function takeRemoteSnapshot(options: RemoteSnapshotOptions): Promise<RemoteSnapshotResult> {
  const { pid } = options;
  const status = options.onStatus ?? (() => undefined);
  checkProcess(pid, options.force ?? false);
  const configured = readInspectorConfig(pid);
  // A wildcard host includes loopback: an inspector already open there can be used from 127.0.0.1.
  const host = loopbackAddressFor(configured.host) ?? LOOPBACK;
  const canDiscover = listeningSocketsOf(pid) !== undefined;
  const port = options.port ?? (configured.port !== 0 ? configured.port : undefined);
  if (port === undefined && !canDiscover) {
    throw new LeakscopeError(`process ${pid} was started with a random inspector port (--inspect-port=0); pass --port with the port it printed`);
  }

  if (port !== undefined) {
    const before = await probe(host, port);
    if (before.kind === 'inspector') {
      const owner = await inspectorPid(host, port, before.targets);
      if (owner !== pid) {
        throw new LeakscopeError(
          `port ${port} is taken by the inspector of another process${owner === undefined ? '' : ` (pid ${owner})`}, so pid ${pid} cannot open its inspector there;`
          + ' start the target with --inspect-port=N and pass --port N',
        );
      }
      status(`process ${pid} already has its inspector open on ${host}:${port}; it will be left open`);
      const client = await WebSocketClient.connect(inspectorUrl(host, port, before.targets[0].id));
      try {
        const snapshots = await takeSnapshots(client, options, status);
        return { snapshots, pid, port, wasAlreadyOpen: true, isClosedAfterwards: false };
      } finally {
        client.terminate();
      }
    }
    if (before.kind === 'other') {
      throw new LeakscopeError(`port ${port} on ${host} is used by another program (not a Node inspector); start the target with --inspect-port=N and pass --port N`);
    }
    if (configured.port !== port && configured.port !== 0) {
      const own = await probe(host, configured.port);
      if (own.kind === 'inspector' && await inspectorPid(host, configured.port, own.targets) === pid) {
        throw new LeakscopeError(`process ${pid} already has its inspector open on port ${configured.port}; pass --port ${configured.port}`);
      }
    }
  }
  checkActivation(pid, configured);

  const activation: Activation = {
    pid,
    startTime: startTimeOf(pid),
    host,
    ports: [...new Set([port, configured.port].filter((p): p is number => p !== undefined && p !== 0))],
    baseline: listeningSocketsOf(pid)?.map((socket) => socket.inode),
  };
  let client: WebSocketClient | undefined;
  let leaving: Promise<string> | undefined;
  // One clean-up for every way out; Ctrl-C and an error racing each other share it.
  const leave = (budgetMs: number) => (leaving ??= leaveClosed(activation, client, budgetMs));
  let isActivated = false;
  let isInterrupted = false;
  const removeGuard = guardInterrupts(async () => {
    isInterrupted = true;
    if (isActivated) status(await leave(INTERRUPT_CLOSE_MS));
  });
  try {
    activateInspector(pid);
    isActivated = true;
    status(`activated the inspector of process ${pid} (SIGUSR1); waiting for ${port === undefined ? 'it to open' : `${host}:${port}`}`);
    const timeoutMs = options.timeoutMs ?? DEFAULT_ACTIVATION_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const found = await waitForInspector(activation, timeoutMs, () => isInterrupted);
    if (found.exposedOn !== undefined) {
      throw new LeakscopeError(
        `process ${pid} opened its inspector on ${found.exposedOn}:${found.port}, beyond loopback, although its settings that leakscope can read say ${configured.host}`
        + ' (is NODE_OPTIONS set in an --env-file?); restart it with --inspect-port=127.0.0.1:PORT',
      );
    }
    if (options.port !== undefined && found.port !== options.port) {
      throw new LeakscopeError(`process ${pid} opened its inspector on port ${found.port}, not ${options.port}; run without --port, or with --port ${found.port}`);
    }
    if (port !== undefined && found.port !== port) status(`process ${pid} opened its inspector on port ${found.port}, not ${port}`);
    const url = inspectorUrl(found.host, found.port, found.targets[0].id);
    client = await withDeadline(WebSocketClient.connect(url), deadline, () => `cannot connect to ${url} in time`);
    const actualPid = await withDeadline(evaluateValue(client, 'process.pid'), deadline, () => `process ${pid} opened its inspector but did not answer within the --timeout; its main thread is busy`);
    if (actualPid !== pid) {
      throw new LeakscopeError(`the inspector on ${found.host}:${found.port} belongs to process ${String(actualPid)}, not ${pid}; pass --port with the port of pid ${pid}`);
    }
    const snapshots = await takeSnapshots(client, options, status);
    const isClosedAfterwards = await closeInspector(client, found, CLOSE_TIMEOUT_MS);
    client = undefined;
    const closeNote = isClosedAfterwards ? undefined : await leave(0);
    return { snapshots, pid, port: found.port, wasAlreadyOpen: false, isClosedAfterwards, closeNote };
  } catch (error) {
    // After Ctrl-C the guard closes up and ends the process with the signal; nothing more to report.
    if (isInterrupted) return new Promise<never>(() => undefined);
    if (!isActivated) throw error;
    const note = await leave(ERROR_CLOSE_MS);
    if (error instanceof LeakscopeError) error.message = `${error.message}. ${capitalize(note)}`;
    throw error;
  } finally {
    removeGuard();
    client?.terminate();
  }
}

async function takeSnapshots(client: WebSocketClient, options: RemoteSnapshotOptions, status: (message: string) => void): Promise<SnapshotFileResult[]> {
  const count = options.count ?? 1;
  const files = snapshotFiles(options.file ?? defaultSnapshotPath(options.pid, process.cwd()), count);
  const snapshots: SnapshotFileResult[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) {
      status(`waiting ${Math.round((options.intervalMs ?? 0) / 1000)} s before snapshot ${i + 1}/${count}`);
      await sleep(options.intervalMs ?? 0);
    }
    status(`taking heap snapshot ${count > 1 ? `${i + 1}/${count} ` : ''}of process ${options.pid}`);
    snapshots.push(await streamHeapSnapshot(client, files[i], { collectGarbage: options.collectGarbage ?? true }));
    status(`wrote ${files[i]}`);
  }
  return snapshots;
}

/** FILE for one snapshot; FILE-1, FILE-2, … (before the extension) for several. */
export function snapshotFiles(file: string, count: number): string[] {
  if (count === 1) return [file];
  const ext = file.endsWith('.heapsnapshot') ? '.heapsnapshot' : path.extname(file);
  const stem = file.slice(0, file.length - ext.length);
  return Array.from({ length: count }, (_, i) => `${stem}-${i + 1}${ext}`);
}

/**
 * From SIGUSR1 until the inspector is seen closed, Ctrl-C, SIGTERM or SIGHUP first runs `onInterrupt`
 * (bounded: it hands over to the watcher when the target does not answer), then lets the signal take
 * its course. Returns the function that removes the guard.
 */
function guardInterrupts(onInterrupt: () => Promise<void>): () => void {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  let isClosing = false;
  // Stays registered while closing: other handlers (children.ts, which removes a snapshot's temp
  // file) see it and leave the exit to this one.
  const onSignal = (signal: NodeJS.Signals) => {
    if (isClosing) return;
    isClosing = true;
    const exit = () => {
      removeListeners();
      process.kill(process.pid, signal);
    };
    // A last resort only: onInterrupt's own deadlines end it sooner.
    const timer = setTimeout(exit, INTERRUPT_CLOSE_MS + CLOSE_TIMEOUT_MS);
    void onInterrupt().catch(() => undefined).finally(() => {
      clearTimeout(timer);
      exit();
    });
  };
  const removeListeners = () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    if (!isClosing) removeListeners();
  };
}

/**
 * Makes sure the inspector leakscope activated ends up closed: closes it from here if it is open and
 * the target answers within `budgetMs`, else starts the watcher. Resolves to a sentence for the user.
 */
async function leaveClosed(activation: Activation, client: WebSocketClient | undefined, budgetMs: number): Promise<string> {
  const { pid } = activation;
  const deadline = Date.now() + budgetMs;
  try {
    const found = await withDeadline(findInspector(activation), deadline, () => 'not found in time');
    if (found !== undefined && found.host === '') {
      return `warning: the inspector of process ${pid} listens on ${found.exposedOn}:${found.port} only, an address leakscope never connects to; it stays open until the process restarts`;
    }
    if (found !== undefined) {
      const own = client ?? await withDeadline(WebSocketClient.connect(inspectorUrl(found.host, found.port, found.targets[0].id)), deadline, () => 'no connection in time');
      if (await closeInspector(own, found, Math.max(0, deadline - Date.now()))) return `the inspector of process ${pid} is closed again`;
    } else if (!isSameProcess(activation)) {
      return `process ${pid} has exited`;
    }
  } catch {
    // The target does not answer in time: the watcher goes on.
  } finally {
    client?.terminate();
  }
  const watcher = startWatcher(activation);
  if (watcher === undefined) return `warning: the inspector of process ${pid} may open later and stay open (leakscope could not start its watcher)`;
  return `process ${pid} does not answer yet; a watcher (pid ${watcher}) closes its inspector as soon as it does, for up to ${WATCH_MS / 60_000} minutes`;
}

/** The detached process that finishes leaveClosed's job after leakscope has gone (inspector-watcher.ts). */
function startWatcher(activation: Activation): number | undefined {
  try {
    const child = spawn(process.execPath, [...nodeArgsFor(WATCHER_ENTRY), JSON.stringify(activation)], {
      // Its own process group: the Ctrl-C that ends leakscope must not end the watcher.
      detached: true,
      stdio: 'ignore',
    });
    child.on('error', () => undefined);
    child.unref();
    return child.pid;
  } catch {
    return undefined;
  }
}

/**
 * The watcher's loop: looks for the activated inspector until `deadline` and closes it once the
 * target answers. Resolves to true when it saw it closed, false when the process exited or time ran out.
 */
export async function watchAndClose(activation: Activation, deadline: number): Promise<boolean> {
  while (Date.now() < deadline && isSameProcess(activation)) {
    const found = await findInspector(activation).catch(() => undefined);
    if (found !== undefined && found.host !== '') {
      const client = await WebSocketClient.connect(inspectorUrl(found.host, found.port, found.targets[0].id)).catch(() => undefined);
      if (client !== undefined && await closeInspector(client, found, deadline - Date.now()).catch(() => false)) return true;
    }
    await sleep(WATCH_POLL_MS);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------
// The target process
function checkProcess(pid: number, force: boolean): void {
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new LeakscopeError(`--pid ${pid}: expected a process id`);
  if (pid === process.pid) throw new LeakscopeError('--pid is leakscope itself; use the library\'s takeSnapshot() for the current process');
  try {
    process.kill(pid, 0);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') throw new LeakscopeError(`no process with pid ${pid}`);
    if (code === 'EPERM') throw new LeakscopeError(`process ${pid} belongs to another user; run leakscope as that user`);
    throw new LeakscopeError(`cannot signal process ${pid}: ${code ?? String(error)}`);
  }
  const executable = executableOf(pid);
  if (executable !== undefined && !isNodeExecutable(executable) && !force) {
    throw new LeakscopeError(
      `process ${pid} (${executable}) does not look like Node.js; refusing to send it SIGUSR1, which terminates most programs`
      + ' (pass --force if it is a Node-based binary)',
    );
  }
}

/** Node itself, or a versioned/renamed build of it (node20, nodejs, node.exe). */
function isNodeExecutable(executable: string): boolean {
  return /^node(js)?[-_.\d]*(\.exe)?$/i.test(path.basename(executable));
}

/** The target's executable: /proc on Linux (the real binary, unaffected by process.title), else ps. */
function executableOf(pid: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    // No /proc (macOS, BSD), or not readable: ask ps.
  }
  if (process.platform === 'win32') return undefined;
  try {
    const out = execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out || undefined;
  } catch {
    return undefined;
  }
}

/** Refusals that must come before SIGUSR1: an inspector we could not keep off the network, or not close again. */
function checkActivation(pid: number, configured: InspectorConfig): void {
  if (!isLoopbackHost(configured.host)) {
    const port = configured.port === 0 ? 'PORT' : String(configured.port);
    throw new LeakscopeError(
      `process ${pid} would open its inspector on ${configured.host}:${configured.port} (set by ${configured.hostSource ?? 'its settings'}), where other machines could reach it;`
      + ' leakscope does not open a debugger to the network, and the address is fixed until the process restarts.'
      + ` Restart it with --inspect-port=127.0.0.1:${port}, or use \`leakscope snapshot -- node app.js\` (snapshots on a signal, no inspector)`,
    );
  }
  if (configured.isSigusr1Disabled) {
    throw new LeakscopeError(`process ${pid} was started with --disable-sigusr1, so its inspector cannot be opened from outside; restart it without that flag`);
  }
  if (configured.isHttpListUnpublished) {
    throw new LeakscopeError(
      `process ${pid} was started with --inspect-publish-uid without http: its inspector would list no session to connect to, and leakscope could not close it again;`
      + ' restart it with --inspect-publish-uid=stderr,http',
    );
  }
}

/** The loopback address that reaches an inspector configured on `host`; undefined when none does. */
function loopbackAddressFor(host: string): string | undefined {
  if (host === 'localhost') return LOOPBACK;
  if (isLoopbackHost(host)) return host.replace(/^::ffff:/i, '');
  // A wildcard listener also listens on loopback.
  if (host === '0.0.0.0') return LOOPBACK;
  if (host === '::' || host === '0:0:0:0:0:0:0:0') return '::1';
  return undefined;
}

/** Field 22 of /proc/PID/stat (start time in clock ticks); undefined without /proc. */
function startTimeOf(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The process we signalled is still running: same pid, same start time. */
function isSameProcess(activation: Activation): boolean {
  return isAlive(activation.pid) && (activation.startTime === undefined || startTimeOf(activation.pid) === activation.startTime);
}

function activateInspector(pid: number): void {
  const debugProcess = (process as unknown as { _debugProcess?: (pid: number) => void })._debugProcess;
  try {
    if (typeof debugProcess === 'function') debugProcess(pid);
    else process.kill(pid, 'SIGUSR1');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') throw new LeakscopeError(`process ${pid} exited before its inspector could be activated`);
    if (code === 'EPERM') throw new LeakscopeError(`process ${pid} belongs to another user; run leakscope as that user`);
    throw new LeakscopeError(`cannot activate the inspector of process ${pid}: ${(error as Error).message}`);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// Finding, checking and closing the inspector

interface InspectorTarget {
  id: string;
  title?: string;
  type?: string;
}

type ProbeResult = { kind: 'closed' } | { kind: 'inspector'; targets: InspectorTarget[] } | { kind: 'other' };

/** Served by the inspector's own thread: it answers even while the target's main thread is blocked. */
async function probe(host: string, port: number): Promise<ProbeResult> {
  let response: Response;
  try {
    response = await fetch(`http://${urlHost(host)}:${port}/json/list`, { signal: AbortSignal.timeout(2000) });
  } catch {
    return { kind: 'closed' };
  }
  try {
    const body = await response.json() as unknown;
    if (Array.isArray(body) && body.length > 0 && typeof (body[0] as InspectorTarget).id === 'string') {
      return { kind: 'inspector', targets: body as InspectorTarget[] };
    }
  } catch {
    // not JSON: some other server
  }
  return { kind: 'other' };
}

/**
 * Who owns an inspector: a title ending in `[pid]` (embedders set one), else process.pid asked over
 * the protocol — which needs the owner's main thread, so it is bounded.
 */
async function inspectorPid(host: string, port: number, targets: InspectorTarget[]): Promise<number | undefined> {
  const fromTitle = /\[(\d+)\]$/.exec(targets[0].title ?? '');
  if (fromTitle) return Number(fromTitle[1]);
  const deadline = Date.now() + CLOSE_TIMEOUT_MS;
  const client = await withDeadline(WebSocketClient.connect(inspectorUrl(host, port, targets[0].id)), deadline, () => 'timeout').catch(() => undefined);
  if (!client) return undefined;
  try {
    const value = await withDeadline(evaluateValue(client, 'process.pid'), deadline, () => 'timeout').catch(() => undefined);
    return typeof value === 'number' ? value : undefined;
  } finally {
    client.terminate();
  }
}

/**
 * The inspector `activation` asked for, if it is open now. With /proc: a listening socket the target
 * did not have before SIGUSR1 that answers as an inspector (its socket proves the owner); without:
 * the expected ports, owner checked by inspectorPid. `host` is '' when it listens only on a
 * non-loopback address, which leakscope never connects to.
 */
async function findInspector(activation: Activation): Promise<FoundInspector | undefined> {
  const sockets = activation.baseline === undefined ? undefined : listeningSocketsOf(activation.pid);
  if (sockets !== undefined) {
    const before = new Set(activation.baseline);
    const fresh = sockets.filter((socket) => !before.has(socket.inode));
    const ports = [...new Set(fresh.map((socket) => socket.port))]
      .sort((a, b) => Number(!activation.ports.includes(a)) - Number(!activation.ports.includes(b)));
    for (const port of ports) {
      const onPort = fresh.filter((socket) => socket.port === port);
      const exposed = onPort.find((socket) => !isLoopbackHost(socket.address));
      const host = exposed === undefined ? loopbackAddressFor(onPort[0].address) : loopbackAddressFor(exposed.address);
      if (host === undefined) return { host: '', port, targets: [], exposedOn: exposed?.address };
      const result = await probe(host, port);
      if (result.kind === 'inspector') return { host, port, targets: result.targets, exposedOn: exposed?.address };
    }
    return undefined;
  }
  for (const port of activation.ports) {
    const result = await probe(activation.host, port);
    if (result.kind === 'inspector' && await inspectorPid(activation.host, port, result.targets) === activation.pid) {
      return { host: activation.host, port, targets: result.targets };
    }
  }
  return undefined;
}

async function waitForInspector(activation: Activation, timeoutMs: number, isInterrupted: () => boolean): Promise<FoundInspector> {
  const { pid } = activation;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // After Ctrl-C the guard takes over; this search must not race it.
    if (isInterrupted()) return new Promise<never>(() => undefined);
    const found = await findInspector(activation);
    if (found !== undefined) return found;
    if (!isAlive(pid)) {
      throw new LeakscopeError(`process ${pid} exited after SIGUSR1: it is not Node.js, or it was started with a flag that disables the inspector`);
    }
    if (Date.now() > deadline) {
      const where = activation.ports.length > 0 ? ` on ${activation.host}:${activation.ports[0]}` : '';
      throw new LeakscopeError(
        `process ${pid} did not open its inspector${where} within ${Math.round(timeoutMs / 100) / 10} s (--timeout)`
        + ' — its main thread may be blocked in a synchronous call, it may handle SIGUSR1 itself, or the port may be taken'
        + ' (its stderr then says "address already in use")',
      );
    }
    await sleep(POLL_MS);
  }
}

const CLOSE_EXPRESSION = `(() => {
  const inspector = typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('node:inspector') : require('inspector');
  setTimeout(() => inspector.close(), 0);
  return 'closing';
})()`;

/**
 * Asks the target to close its inspector (through `client`, which is then dropped) and waits until
 * it stops listening; false when that did not happen within `timeoutMs`.
 */
async function closeInspector(client: WebSocketClient, found: FoundInspector, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  try {
    // The reply, or the connection dropping as the inspector closes; either means it was evaluated.
    await withDeadline(
      client.post('Runtime.evaluate', { expression: CLOSE_EXPRESSION, includeCommandLineAPI: true, returnByValue: true }).catch(() => undefined),
      deadline,
      () => 'no answer',
    );
  } catch {
    return false;
  } finally {
    client.terminate();
  }
  while (Date.now() < deadline) {
    if ((await probe(found.host, found.port)).kind === 'closed') return true;
    await sleep(POLL_MS);
  }
  return false;
}

async function evaluateValue(client: ProtocolClient, expression: string): Promise<unknown> {
  const reply = await client.post('Runtime.evaluate', { expression, returnByValue: true }) as { result?: { value?: unknown } };
  return reply.result?.value;
}

/** `promise`, or a LeakscopeError with `message()` once `deadline` (ms since the epoch) has passed. */
function withDeadline<T>(promise: Promise<T>, deadline: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LeakscopeError(message())), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function inspectorUrl(host: string, port: number, id: string): string {
  return `ws://${urlHost(host)}:${port}/${id}`;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------------
// The websocket connection

class WebSocketClient implements ProtocolClient {
  private nextId = 1;
  private readonly pending = new Map<number, { method: string; resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<string, Set<(params: Record<string, unknown>) => void>>();
  private closedReason: string | undefined;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => this.dispatch(data.toString()));
    socket.on('close', () => this.failAll('the inspector connection closed'));
    socket.on('error', (error) => this.failAll(`inspector connection error: ${error.message}`));
  }

  static connect(url: string): Promise<WebSocketClient> {
    // Literal loopback addresses only: a name could resolve anywhere.
    const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
    if (host === 'localhost' || !isLoopbackHost(host)) throw new LeakscopeError(`refusing to connect to ${url}: only loopback addresses are allowed`);
    return new Promise((resolve, reject) => {
      // Chunks are small, but the default 100 MiB cap is kept as a guard; no compression on loopback.
      const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 5000 });
      socket.once('open', () => resolve(new WebSocketClient(socket)));
      socket.once('error', (error) => reject(new LeakscopeError(`cannot connect to the inspector at ${url}: ${error.message}`)));
    });
  }

  post(method: string, params?: Record<string, unknown>): Promise<unknown> {
    if (this.closedReason) return Promise.reject(new LeakscopeError(`${method}: ${this.closedReason}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params: params ?? {} }));
    });
  }

  onEvent(method: string, handler: (params: Record<string, unknown>) => void): () => void {
    let set = this.listeners.get(method);
    if (!set) this.listeners.set(method, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  terminate(): void {
    this.socket.terminate();
  }

  private dispatch(text: string): void {
    let message: { id?: number; method?: string; params?: Record<string, unknown>; result?: unknown; error?: { message?: string } };
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof message.id === 'number') {
      const entry = this.pending.get(message.id);
      if (!entry) return;
      this.pending.delete(message.id);
      if (message.error) entry.reject(new LeakscopeError(`inspector ${entry.method} failed: ${message.error.message ?? 'unknown error'}`));
      else entry.resolve(message.result);
    } else if (message.method) {
      for (const handler of this.listeners.get(message.method) ?? []) handler(message.params ?? {});
    }
  }

  private failAll(reason: string): void {
    this.closedReason ??= reason;
    for (const entry of this.pending.values()) entry.reject(new LeakscopeError(`${entry.method}: ${reason}`));
    this.pending.clear();
  }
}
