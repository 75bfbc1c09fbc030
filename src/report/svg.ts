// DOT → SVG in-process, with no system Graphviz: Graphviz compiled to WebAssembly by @aduh95/viz.js,
// the renderer the `graphviz-cli` package wraps. We import it directly rather than spawning that
// CLI: no child process, no temp files, and errors arrive as values instead of stderr text.
//
// viz.js runs Graphviz in a worker thread. The worker is created on first use, kept for later
// renders, and unref'd by viz.js while idle, so it never holds the process open. After a failure it
// is thrown away: an aborted wasm instance is not safe to reuse.

import Viz from '@aduh95/viz.js';
import getWorker from '@aduh95/viz.js/worker';
import type { Worker } from 'node:worker_threads';
import { LeakscopeError } from '../errors.ts';

/** Layout of a capped retainer graph takes well under a second; a minute means Graphviz is stuck. */
export const DEFAULT_SVG_TIMEOUT_MS = 60_000;

export interface RenderSvgOptions {
  timeoutMs?: number;
}

let renderer: Viz | undefined;

function getRenderer(): Viz {
  // Called on the main thread the worker module returns a Worker that runs Graphviz.
  renderer ??= new Viz({ worker: getWorker() as Worker });
  return renderer;
}

/** Terminates the Graphviz worker, if any; the next render starts a fresh one. */
export async function stopSvgRenderer(): Promise<void> {
  const current = renderer;
  renderer = undefined;
  if (current) await current.terminateWorker();
}

/**
 * One line that says why Graphviz failed. Its worker turns a thrown non-Error into `String(value)`,
 * so an abort (out of memory on a huge graph) arrives as "[object Object]": say what that means.
 */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  // Graphviz messages start with "Error: " and end with a newline; keep the one line that matters.
  const line = message.split('\n').map((l) => l.replace(/^Error:\s*/, '').trim()).find((l) => l !== '' && !/^\[object \w+\]$/.test(l));
  return line ?? 'Graphviz stopped without a reason (it does so when it runs out of memory on a very large graph)';
}

/** Renders DOT source to an SVG document. Throws LeakscopeError with a one-line reason on failure. */
export async function renderSvg(dot: string, options: RenderSvgOptions = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SVG_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Graphviz did not finish within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([getRenderer().renderString(dot, { format: 'svg', engine: 'dot' }), timeout]);
  } catch (error) {
    await stopSvgRenderer().catch(() => undefined);
    throw new LeakscopeError(`could not render the graph as SVG: ${firstLine(error)}`);
  } finally {
    clearTimeout(timer);
  }
}
