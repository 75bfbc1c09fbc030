// A heap snapshot of another, running Node process (`leakscope snapshot --pid PID`), without a restart:
//
//  1. check the pid: it exists (ESRCH), is ours (EPERM), and its executable looks like Node — SIGUSR1
//     terminates most other programs, so we refuse to send it to one that is not Node;
//  2. find the inspector port it will use: --port, else its own --inspect-port / --inspect flags
//     (command line or NODE_OPTIONS, read from /proc on Linux), else 9229. A target configured to
//     listen beyond loopback is refused: activating it would expose a debugger to the network;
//  3. look at that port first: an inspector already open in the target is used and left open; one
//     that belongs to another process, or another program on the port, is a clear error;
//  4. activate the inspector as `node inspect -p` does (process._debugProcess: SIGUSR1 on POSIX, a
//     remote thread on Windows) and poll http://127.0.0.1:PORT/json/list until it answers;
//  5. connect to ws://127.0.0.1:PORT/<id> — always the loopback address we chose, never a host taken
//     from the answer — and confirm with Runtime.evaluate(process.pid) that it is the right process;
//  6. stream the snapshot to disk (inspector.ts), then close the inspector again by evaluating
//     `inspector.close()` in the target. close() drops every connection at once, including ours, so
//     it is scheduled with setTimeout to let the evaluate reply arrive first. `node:inspector` is
//     reached through process.getBuiltinModule (Node ≥ 20.16, works in ESM apps where `require` is
//     not defined) or, on older Node, the `require` of the inspector's command-line API
//     (includeCommandLineAPI), which Node provides in CJS and ESM programs alike. We then wait for the
//     port to stop answering.

import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import { LeakscopeError } from '../errors.ts';
import { defaultSnapshotPath, streamHeapSnapshot, type ProtocolClient, type SnapshotFileResult } from './inspector.ts';

export const DEFAULT_INSPECTOR_PORT = 9229;
const LOOPBACK = '127.0.0.1';
/** Activation normally takes a few ms; a busy event loop can delay it, so allow a few seconds. */
const ACTIVATION_TIMEOUT_MS = 5000;
const CLOSE_TIMEOUT_MS = 3000;
const POLL_MS = 50;

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
}

export async function takeRemoteSnapshot(options: RemoteSnapshotOptions): Promise<RemoteSnapshotResult> {
  const { pid } = options;
  const status = options.onStatus ?? (() => undefined);
  checkProcess(pid, options.force ?? false);
  const configured = readInspectorConfig(pid);
  if (configured.host !== undefined && !isLoopback(configured.host)) {
    throw new LeakscopeError(
      `process ${pid} is configured to open its inspector on ${configured.host}; leakscope only opens inspectors on ${LOOPBACK}`
      + ' (restart it with --inspect-port=127.0.0.1:PORT)',
    );
  }
  const port = options.port ?? (configured.port !== undefined && configured.port !== 0 ? configured.port : DEFAULT_INSPECTOR_PORT);
  if (configured.port === 0 && options.port === undefined) {
    throw new LeakscopeError(`process ${pid} was started with a random inspector port (--inspect-port=0); pass --port with the port it printed`);
  }

  const before = await probe(port);
  let wasAlreadyOpen = false;
  if (before.kind === 'inspector') {
    const owner = await inspectorPid(port, before.targets);
    if (owner !== pid) {
      throw new LeakscopeError(
        `port ${port} is taken by the inspector of another process${owner === undefined ? '' : ` (pid ${owner})`}, so pid ${pid} cannot open its inspector there;`
        + ' start the target with --inspect-port=N and pass --port N',
      );
    }
    wasAlreadyOpen = true;
    status(`process ${pid} already has its inspector open on ${LOOPBACK}:${port}; it will be left open`);
  } else if (before.kind === 'other') {
    throw new LeakscopeError(`port ${port} on ${LOOPBACK} is used by another program (not a Node inspector); start the target with --inspect-port=N and pass --port N`);
  } else {
    const ownPort = configured.port ?? DEFAULT_INSPECTOR_PORT;
    const own = ownPort === port ? before : await probe(ownPort);
    if (own.kind === 'inspector' && await inspectorPid(ownPort, own.targets) === pid) {
      throw new LeakscopeError(`process ${pid} already has its inspector open on port ${ownPort}; pass --port ${ownPort}`);
    }
    activateInspector(pid);
    status(`activated the inspector of process ${pid} (SIGUSR1); waiting for ${LOOPBACK}:${port}`);
  }

  let client: WebSocketClient | undefined;
  let isClosedAfterwards = false;
  try {
    const targets = wasAlreadyOpen
      ? (before as { targets: InspectorTarget[] }).targets
      : await waitForInspector(pid, port, configured.port ?? DEFAULT_INSPECTOR_PORT);
    client = await WebSocketClient.connect(`ws://${LOOPBACK}:${port}/${targets[0].id}`);
    const actualPid = await evaluateValue(client, 'process.pid');
    if (actualPid !== pid) {
      throw new LeakscopeError(`the inspector on ${LOOPBACK}:${port} belongs to process ${String(actualPid)}, not ${pid}; pass --port with the port of pid ${pid}`);
    }
    const count = options.count ?? 1;
    const files = snapshotFiles(options.file ?? defaultSnapshotPath(pid, process.cwd()), count);
    const snapshots: SnapshotFileResult[] = [];
    const stopGuard = guardInterrupts(() => (client && !wasAlreadyOpen ? closeRemoteInspector(client, port) : Promise.resolve(true)));
    try {
      for (let i = 0; i < count; i++) {
        if (i > 0) {
          status(`waiting ${Math.round((options.intervalMs ?? 0) / 1000)} s before snapshot ${i + 1}/${count}`);
          await sleep(options.intervalMs ?? 0);
        }
        status(`taking heap snapshot ${count > 1 ? `${i + 1}/${count} ` : ''}of process ${pid}`);
        snapshots.push(await streamHeapSnapshot(client, files[i], { collectGarbage: options.collectGarbage ?? true }));
        status(`wrote ${files[i]}`);
      }
    } finally {
      stopGuard();
    }
    if (!wasAlreadyOpen) {
      isClosedAfterwards = await closeRemoteInspector(client, port);
      client = undefined;
      if (!isClosedAfterwards) status(`warning: the inspector of process ${pid} still answers on ${LOOPBACK}:${port}`);
    }
    return { snapshots, pid, port, wasAlreadyOpen, isClosedAfterwards };
  } catch (error) {
    // Leave the target as we found it even when the snapshot failed.
    if (client && !wasAlreadyOpen) await closeRemoteInspector(client, port).catch(() => false);
    throw error;
  } finally {
    client?.terminate();
  }
}

/** FILE for one snapshot; FILE-1, FILE-2, … (before the extension) for several. */
export function snapshotFiles(file: string, count: number): string[] {
  if (count === 1) return [file];
  const ext = file.endsWith('.heapsnapshot') ? '.heapsnapshot' : path.extname(file);
  const stem = file.slice(0, file.length - ext.length);
  return Array.from({ length: count }, (_, i) => `${stem}-${i + 1}${ext}`);
}

/**
 * While the target's inspector is open because of us, Ctrl-C or SIGTERM first closes it again, then
 * lets the signal take its course. Returns the function that removes the guard.
 */
function guardInterrupts(cleanup: () => Promise<boolean>): () => void {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  let isClosing = false;
  // Stays registered until the inspector is closed: other handlers (children.ts, which removes a
  // snapshot's temp file) see it and leave the exit to this one.
  const onSignal = (signal: NodeJS.Signals) => {
    if (isClosing) return;
    isClosing = true;
    const exit = () => {
      remove();
      process.kill(process.pid, signal);
    };
    const timer = setTimeout(exit, CLOSE_TIMEOUT_MS);
    void cleanup().catch(() => false).finally(() => {
      clearTimeout(timer);
      exit();
    });
  };
  const remove = () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
  for (const signal of signals) process.on(signal, onSignal);
  return remove;
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

interface InspectorConfig {
  host?: string;
  port?: number;
}

/** The --inspect-port / --inspect[-brk|-wait]=[host:]port the target was started with (Linux only). */
export function readInspectorConfig(pid: number): InspectorConfig {
  const args: string[] = [];
  try {
    // NODE_OPTIONS first: flags on the command line override it.
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const nodeOptions = environ.find((entry) => entry.startsWith('NODE_OPTIONS='));
    if (nodeOptions) args.push(...nodeOptions.slice('NODE_OPTIONS='.length).split(/\s+/));
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    // Node options end at the script name or `-e`; later arguments belong to the program.
    for (const arg of cmdline.slice(1)) {
      if (!arg.startsWith('-') || arg === '-e' || arg === '--eval' || arg === '--') break;
      args.push(arg);
    }
  } catch {
    return {};
  }
  return parseInspectorFlags(args);
}

export function parseInspectorFlags(args: string[]): InspectorConfig {
  const config: InspectorConfig = {};
  for (const arg of args) {
    const match = /^--(?:inspect-port|debug-port|inspect|inspect-brk|inspect-wait)=(.+)$/.exec(arg);
    if (!match) continue;
    const value = match[1];
    const colon = value.lastIndexOf(':');
    const host = colon >= 0 ? value.slice(0, colon).replace(/^\[|\]$/g, '') : /^\d+$/.test(value) ? undefined : value;
    const portText = colon >= 0 ? value.slice(colon + 1) : value;
    if (host !== undefined) config.host = host;
    if (/^\d+$/.test(portText)) config.port = Number(portText);
  }
  return config;
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1';
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
// The inspector's HTTP endpoint

interface InspectorTarget {
  id: string;
  title?: string;
  type?: string;
}

type ProbeResult = { kind: 'closed' } | { kind: 'inspector'; targets: InspectorTarget[] } | { kind: 'other' };

async function probe(port: number): Promise<ProbeResult> {
  let response: Response;
  try {
    response = await fetch(`http://${LOOPBACK}:${port}/json/list`, { signal: AbortSignal.timeout(2000) });
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

/** Node titles its target `<executable>[<pid>]`; a cheap owner check before connecting. */
async function inspectorPid(port: number, targets: InspectorTarget[]): Promise<number | undefined> {
  const fromTitle = /\[(\d+)\]$/.exec(targets[0].title ?? '');
  if (fromTitle) return Number(fromTitle[1]);
  const client = await WebSocketClient.connect(`ws://${LOOPBACK}:${port}/${targets[0].id}`).catch(() => undefined);
  if (!client) return undefined;
  try {
    const value = await evaluateValue(client, 'process.pid');
    return typeof value === 'number' ? value : undefined;
  } finally {
    client.terminate();
  }
}

async function waitForInspector(pid: number, port: number, ownPort: number): Promise<InspectorTarget[]> {
  const deadline = Date.now() + ACTIVATION_TIMEOUT_MS;
  for (;;) {
    const result = await probe(port);
    if (result.kind === 'inspector') return result.targets;
    if (!isAlive(pid)) {
      throw new LeakscopeError(`process ${pid} exited after SIGUSR1: it is not Node.js, or it was started with a flag that disables the inspector`);
    }
    // A wrong --port: the inspector we activated opened on the target's own port. Close it again.
    if (ownPort !== port && await closeIfOwnedBy(pid, ownPort)) {
      throw new LeakscopeError(`process ${pid} opened its inspector on port ${ownPort}, not ${port}; it is closed again — run without --port, or with --port ${ownPort}`);
    }
    if (Date.now() > deadline) {
      throw new LeakscopeError(
        `process ${pid} did not open its inspector on ${LOOPBACK}:${port} within ${ACTIVATION_TIMEOUT_MS / 1000} s`
        + ' — it may handle SIGUSR1 itself, run with --disable-sigusr1, be blocked in a long task, or have found the port taken'
        + ' (its stderr then says "address already in use"); --port N selects another port if it was started with --inspect-port=N',
      );
    }
    await sleep(POLL_MS);
  }
}

async function closeIfOwnedBy(pid: number, port: number): Promise<boolean> {
  const found = await probe(port);
  if (found.kind !== 'inspector' || await inspectorPid(port, found.targets) !== pid) return false;
  const client = await WebSocketClient.connect(`ws://${LOOPBACK}:${port}/${found.targets[0].id}`).catch(() => undefined);
  return client !== undefined && await closeRemoteInspector(client, port).catch(() => false);
}

const CLOSE_EXPRESSION = `(() => {
  const inspector = typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('node:inspector') : require('inspector');
  setTimeout(() => inspector.close(), 0);
  return 'closing';
})()`;

/** Asks the target to close its inspector, then waits until the port stops answering. */
async function closeRemoteInspector(client: WebSocketClient, port: number): Promise<boolean> {
  try {
    await client.post('Runtime.evaluate', { expression: CLOSE_EXPRESSION, includeCommandLineAPI: true, returnByValue: true });
  } finally {
    client.terminate();
  }
  const deadline = Date.now() + CLOSE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if ((await probe(port)).kind === 'closed') return true;
    await sleep(POLL_MS);
  }
  return false;
}

async function evaluateValue(client: ProtocolClient, expression: string): Promise<unknown> {
  const reply = await client.post('Runtime.evaluate', { expression, returnByValue: true }) as { result?: { value?: unknown } };
  return reply.result?.value;
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
    if (!url.startsWith(`ws://${LOOPBACK}:`)) throw new LeakscopeError(`refusing to connect to ${url}: only ${LOOPBACK} is allowed`);
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
