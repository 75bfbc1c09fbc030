// Starting leakscope's own modules in worker threads (the edges parser, the growth summariser) and
// child processes (the scenario runner, the inspector watcher) from whatever form the running code
// has: compiled JavaScript (the package, the CLI) starts the sibling `.js` module directly; the
// TypeScript sources (tests, development) need tsx in the new thread or process, which does not
// inherit the loader hooks: workers go through ts-worker.mjs, processes get `--import tsx`.

import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The URL of module `name` beside `fromUrl` (an import.meta.url), with the same extension. */
export function siblingModule(fromUrl: string, name: string): URL {
  const extension = /\.[cm]?[jt]s$/.exec(new URL(fromUrl).pathname)?.[0] ?? '.js';
  return new URL(`./${name}${extension}`, fromUrl);
}

/** A worker running `module`; workerData reaches it unchanged either way. */
export function startModuleWorker(module: URL, options: WorkerOptions = {}): Worker {
  const common: WorkerOptions = { execArgv: [], stdin: false, ...options };
  if (!isTypeScriptModule(module)) return new Worker(module, common);
  const data = (options.workerData ?? {}) as Record<string, unknown>;
  return new Worker(new URL('./ts-worker.mjs', import.meta.url), { ...common, workerData: { ...data, module: module.href } });
}

/** Whether `module` is TypeScript that Node needs tsx for. */
export function isTypeScriptModule(file: string | URL): boolean {
  return /\.[cm]?ts$/.test(typeof file === 'string' ? file : file.pathname);
}

/** tsx's loader, resolved from leakscope's own dependencies (the user's project need not have tsx). */
export function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

/**
 * Node arguments that run `module` in a child process: with tsx's loader when the module, or
 * anything else the child will import (`alsoLoads`: a user's TypeScript scenario), is TypeScript.
 */
export function nodeArgsFor(module: URL, alsoLoads: string[] = []): string[] {
  const needsTsx = isTypeScriptModule(module) || alsoLoads.some((file) => isTypeScriptModule(file));
  return [...(needsTsx ? ['--import', tsxLoaderUrl()] : []), fileURLToPath(module)];
}
