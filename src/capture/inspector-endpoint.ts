// The inspector of another process, seen from outside: is one listening on HOST:PORT and whose is
// it (probe, inspectorPid); the one a process opened after leakscope activated it (findInspector,
// waitForInspector: with /proc, the new listening socket the target holds, which also gives a random
// port and the real address; elsewhere the expected ports); and closing it again (closeInspector:
// `inspector.close()` evaluated in the target, then wait until the port stops answering).

import { LeakscopeError } from '../errors.ts';
import { builtinInTarget, type ProtocolClient } from './inspector.ts';
import { isLoopbackHost } from './inspector-flags.ts';
import { listeningSocketsOf } from './listening-sockets.ts';
import { isAlive, startTimeOf } from './target-process.ts';
import { WebSocketClient } from './websocket-client.ts';

export const LOOPBACK = '127.0.0.1';
export const CLOSE_TIMEOUT_MS = 3000;
export const POLL_MS = 50;

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

export interface FoundInspector {
  host: string;
  port: number;
  targets: InspectorTarget[];
  /** The non-loopback address it listens on, when it does. */
  exposedOn?: string;
}

export interface InspectorTarget {
  id: string;
  title?: string;
  type?: string;
}

export type ProbeResult = { kind: 'closed' } | { kind: 'inspector'; targets: InspectorTarget[] } | { kind: 'other' };

/** Served by the inspector's own thread: it answers even while the target's main thread is blocked. */
export async function probe(host: string, port: number): Promise<ProbeResult> {
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
export async function inspectorPid(host: string, port: number, targets: InspectorTarget[]): Promise<number | undefined> {
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
export async function findInspector(activation: Activation): Promise<FoundInspector | undefined> {
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

export async function waitForInspector(activation: Activation, timeoutMs: number, isInterrupted: () => boolean): Promise<FoundInspector> {
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
  const inspector = ${builtinInTarget('inspector')};
  setTimeout(() => inspector.close(), 0);
  return 'closing';
})()`;

/**
 * Asks the target to close its inspector (through `client`, which is then dropped) and waits until
 * it stops listening; false when that did not happen within `timeoutMs`.
 */
export async function closeInspector(client: WebSocketClient, found: FoundInspector, timeoutMs: number): Promise<boolean> {
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

export async function evaluateValue(client: ProtocolClient, expression: string): Promise<unknown> {
  const reply = await client.post('Runtime.evaluate', { expression, returnByValue: true }) as { result?: { value?: unknown } };
  return reply.result?.value;
}

/** The process we signalled is still running: same pid, same start time. */
export function isSameProcess(activation: Activation): boolean {
  return isAlive(activation.pid) && (activation.startTime === undefined || startTimeOf(activation.pid) === activation.startTime);
}

/** The loopback address that reaches an inspector configured on `host`; undefined when none does. */
export function loopbackAddressFor(host: string): string | undefined {
  if (host === 'localhost') return LOOPBACK;
  if (isLoopbackHost(host)) return host.replace(/^::ffff:/i, '');
  // A wildcard listener also listens on loopback.
  if (host === '0.0.0.0') return LOOPBACK;
  if (host === '::' || host === '0:0:0:0:0:0:0:0') return '::1';
  return undefined;
}

/** `promise`, or a LeakscopeError with `message()` once `deadline` (ms since the epoch) has passed. */
export function withDeadline<T>(promise: Promise<T>, deadline: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LeakscopeError(message())), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function inspectorUrl(host: string, port: number, id: string): string {
  return `ws://${urlHost(host)}:${port}/${id}`;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
