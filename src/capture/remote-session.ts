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
//  8. use the session (stream snapshots to disk, inspector.ts, with allocation stacks,
//     allocation-tracking.ts; record a sampling heap profile, sampling-profile.ts; watch the heap,
//     watch/), then close the inspector by evaluating
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
//
// The pieces live beside this file: target-process.ts (1, 5), inspector-flags.ts (2),
// inspector-endpoint.ts (3, 6, 8: probing, finding and closing), websocket-client.ts (7),
// inspector-closing.ts (leaveClosed and its watcher). This file orchestrates them (withRemoteSession)
// and owns every way out; what a session is used for lives in remote.ts (snapshots, sampling
// profiles) and watch/.

import { LeakscopeError } from '../errors.ts';
import type { ProtocolClient } from './inspector.ts';
import { isLoopbackHost, readInspectorConfig, type InspectorConfig } from './inspector-flags.ts';
import {
  CLOSE_TIMEOUT_MS, closeInspector, evaluateValue, inspectorPid, inspectorUrl, LOOPBACK,
  loopbackAddressFor, probe, waitForInspector, withDeadline, type Activation,
} from './inspector-endpoint.ts';
import { leaveClosed } from './inspector-closing.ts';
import { listeningSocketsOf } from './listening-sockets.ts';
import { activateInspector, checkProcess, startTimeOf, waitUntilSigusr1Caught } from './target-process.ts';
import { WebSocketClient } from './websocket-client.ts';

/** Activation normally takes a few ms; a busy JS loop delays it by well under a second. */
export const DEFAULT_ACTIVATION_TIMEOUT_MS = 5000;
/** On Ctrl-C the user is waiting: this long to close the inspector from here, then the watcher takes over. */
export const INTERRUPT_CLOSE_MS = 1000;
/** After an error the target answered a moment ago (or never will): a little longer before the watcher. */
const ERROR_CLOSE_MS = 2000;

/** How to reach another process's inspector. */
export interface RemoteSessionOptions {
  pid: number;
  /** Inspector port; default: the target's own --inspect-port, else 9229. */
  port?: number;
  /** Send SIGUSR1 even if the executable does not look like Node (Electron, a renamed binary). */
  force?: boolean;
  /** How long to wait for the activated inspector to open and answer (default 5 s). */
  timeoutMs?: number;
  /** Progress lines for the user (stderr in the CLI). */
  onStatus?: (message: string) => void;
}

/** An open, confirmed connection to the target's inspector, for the duration of withRemoteSession's callback. */
export interface RemoteSession {
  client: ProtocolClient;
  pid: number;
  port: number;
  wasAlreadyOpen: boolean;
}

/** How a session ended. */
export interface RemoteSessionEnd {
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
 * Opens (or joins) the inspector of process `options.pid`, runs `use` with the confirmed connection,
 * and leaves the inspector as it was found: one leakscope opened is closed again on every way out —
 * success, an error, --timeout, Ctrl-C or SIGTERM (steps 1–8 above).
 */
export async function withRemoteSession<T>(options: RemoteSessionOptions, use: (session: RemoteSession) => Promise<T>): Promise<{ value: T } & RemoteSessionEnd> {
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
        await letGoWhenTargetEnds(client, pid);
        const value = await use({ client, pid, port, wasAlreadyOpen: true });
        return { value, pid, port, wasAlreadyOpen: true, isClosedAfterwards: false };
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
  await waitUntilSigusr1Caught(pid, options.timeoutMs ?? DEFAULT_ACTIVATION_TIMEOUT_MS);

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
  const guard = guardInterrupts(async () => {
    isInterrupted = true;
    if (isActivated) status(await leave(INTERRUPT_CLOSE_MS));
  });
  // Settles only when the process outlived the re-raised signal (a caller such as `watch` handles
  // it): then the session ends with an InterruptedError instead of hanging for ever.
  const interrupted = guard.outlived.then((signal): never => { throw new InterruptedError(signal); });
  interrupted.catch(() => undefined);
  try {
    activateInspector(pid);
    isActivated = true;
    status(`activated the inspector of process ${pid} (SIGUSR1); waiting for ${port === undefined ? 'it to open' : `${host}:${port}`}`);
    const timeoutMs = options.timeoutMs ?? DEFAULT_ACTIVATION_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const found = await Promise.race([waitForInspector(activation, timeoutMs, () => isInterrupted), interrupted]);
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
    await letGoWhenTargetEnds(client, pid);
    const value = await use({ client, pid, port: found.port, wasAlreadyOpen: false });
    if (isInterrupted) return await interrupted; // the guard closes the inspector
    const isClosedAfterwards = await closeInspector(client, found, CLOSE_TIMEOUT_MS);
    client = undefined;
    const closeNote = isClosedAfterwards ? undefined : await leave(0);
    return { value, pid, port: found.port, wasAlreadyOpen: false, isClosedAfterwards, closeNote };
  } catch (error) {
    // After Ctrl-C the guard closes up and ends the process with the signal; nothing more to report,
    // unless the process lives on (see `interrupted`).
    if (isInterrupted) return interrupted;
    if (!isActivated) throw error;
    const note = await leave(ERROR_CLOSE_MS);
    if (error instanceof LeakscopeError) error.message = `${error.message}. ${capitalize(note)}`;
    throw error;
  } finally {
    guard.remove();
    client?.terminate();
  }
}

/** A session ended by Ctrl-C, SIGTERM or SIGHUP in a process that handles the signal itself. */
export class InterruptedError extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted (${signal})`);
  }
}

/**
 * A target whose work is done (its event loop empty) waits with a debugger attached until it
 * disconnects ("Waiting for the debugger to disconnect...") and answers nothing more: a request in
 * flight would hang forever. Node announces it when asked to: let go at once, so the program exits
 * and the request fails with the reason.
 */
async function letGoWhenTargetEnds(client: WebSocketClient, pid: number): Promise<void> {
  client.onEvent('NodeRuntime.waitingForDisconnect', () => client.terminate(`process ${pid} finished its work and is exiting`));
  await client.post('NodeRuntime.notifyWhenWaitingForDisconnect', { enabled: true }).catch(() => undefined);
}

/**
 * From SIGUSR1 until the inspector is seen closed, Ctrl-C, SIGTERM or SIGHUP first runs `onInterrupt`
 * (bounded: it hands over to the watcher when the target does not answer), then lets the signal take
 * its course. Returns the function that removes the guard, and a promise that resolves if the process
 * outlives the signal.
 */
export function guardInterrupts(onInterrupt: () => Promise<void>): { remove: () => void; outlived: Promise<NodeJS.Signals> } {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  let isClosing = false;
  let outlive: (signal: NodeJS.Signals) => void = () => undefined;
  const outlived = new Promise<NodeJS.Signals>((resolve) => { outlive = resolve; });
  // Stays registered while closing: other handlers (children.ts, which removes a snapshot's temp
  // file) see it and leave the exit to this one.
  const onSignal = (signal: NodeJS.Signals) => {
    if (isClosing) return;
    isClosing = true;
    const exit = () => {
      removeListeners();
      process.kill(process.pid, signal);
      // Still here: another listener (watch) took the signal and ends the process itself.
      setImmediate(() => outlive(signal));
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
  return {
    remove: () => {
      if (!isClosing) removeListeners();
    },
    outlived,
  };
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

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
