// Leaving an inspector leakscope activated closed, on every way out of a remote session
// (remote-session.ts): closed from here when the target answers within a budget, else by a detached
// watcher process (inspector-watcher.ts) that closes it as soon as the target answers, for up to
// WATCH_MS, after leakscope itself has exited.

import { spawn } from 'node:child_process';
import { nodeArgsFor, siblingModule } from '../workers/start.ts';
import { closeInspector, findInspector, inspectorUrl, isSameProcess, sleep, withDeadline, type Activation } from './inspector-endpoint.ts';
import { WebSocketClient } from './websocket-client.ts';

/** How long the watcher waits for a blocked target: a reported case blocked for 20 s; minutes cover slow startups and long sync work. */
export const WATCH_MS = 5 * 60_000;
/** The watcher's pace: an idle probe of a closed port is one refused connection. */
const WATCH_POLL_MS = 200;
const WATCHER_ENTRY = siblingModule(import.meta.url, 'inspector-watcher');

/**
 * Makes sure the inspector leakscope activated ends up closed: closes it from here if it is open and
 * the target answers within `budgetMs`, else starts the watcher. Resolves to a sentence for the user.
 */
export async function leaveClosed(activation: Activation, client: WebSocketClient | undefined, budgetMs: number): Promise<string> {
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
