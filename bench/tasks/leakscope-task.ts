// Measurement child for leakscope, run through the same tsx loader as the CLI (bin/run-ts.js) and
// with Node's default flags: leakscope must work without a raised heap limit.
//
// Tasks (each in its own fresh process, so every measurement includes the first, cold parse):
//   probe                which analyses and commands exist in this working tree (they land while the
//                        benchmark is being written; missing ones are skipped with a note).
//   top FILE             loadSnapshot + computeHistogram: what `leakscope top` computes.
//   full FILE            "why is it alive": top, then distances, the dominator tree, retained sizes and
//                        class retained sizes — everything DevTools' Summary view shows.
//   growth A B [--retained]  load both snapshots and computeGrowth (library level).
//   cycles FILE          parse, then findUserCycles + findUnfinalizableRegistrations; the `cycles`
//                        phase is the cost the analysis adds to parsing.
//   cli ARG…             run the real CLI (src/cli/main.ts) in-process with stdout discarded.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLaps, parseChildArgs, runChild } from './child-result.mjs';

// As bin/leakscope.js does: `growth` starts its worker before the CLI's modules load, so the
// worker's own loading overlaps them (neither is timed, like module loading everywhere here).
const childArgs = parseChildArgs(process.argv.slice(2));
if (childArgs.task === 'cli' && childArgs.args[0] === 'growth' && fs.existsSync(fileURLToPath(new URL('../../src/analysis/growth-worker-start.ts', import.meta.url)))) {
  const { startGrowthWorkerEarly } = await import('../../src/analysis/growth-worker-start.ts');
  startGrowthWorkerEarly();
}

const SRC = new URL('../../src/', import.meta.url);

function hasSource(relative: string): boolean {
  return fs.existsSync(fileURLToPath(new URL(relative, SRC)));
}

/** Imports a module of src/ if it exists and has `exportName`; otherwise says what is missing. */
async function importAnalysis<T>(relative: string, exportName: string): Promise<T | string> {
  if (!hasSource(relative)) return `src/${relative} is not there yet`;
  const module = (await import(new URL(relative, SRC).href)) as Record<string, unknown>;
  if (typeof module[exportName] !== 'function') return `src/${relative} has no ${exportName} yet`;
  return module as T;
}

async function loadGraph(file: string) {
  const { loadSnapshot } = await import('../../src/snapshot/load.ts');
  return loadSnapshot(file);
}

async function registeredCommands(): Promise<string[]> {
  const { buildProgram } = await import('../../src/cli/main.ts');
  return (await buildProgram()).commands.map((c) => c.name());
}

type Distances = typeof import('../../src/analysis/distances.ts');
type Dominators = typeof import('../../src/analysis/dominators.ts');
type ClassRetained = typeof import('../../src/analysis/class-retained.ts');
type Growth = typeof import('../../src/analysis/growth.ts');
type Cycles = typeof import('../../src/analysis/cycles.ts');
type Finalization = typeof import('../../src/analysis/finalization.ts');

// Imports happen before the stopwatch starts (runChild times only the task), so module loading
// and tsx's compilation are not counted — they are not counted for the peers either.
const { computeHistogram } = await import('../../src/analysis/histogram.ts');
const { computeClassIndex } = await import('../../src/snapshot/class-names.ts');
const distances = await importAnalysis<Distances>('analysis/distances.ts', 'computeDistances');
const dominators = await importAnalysis<Dominators>('analysis/dominators.ts', 'computeRetainedSizes');
const classRetained = await importAnalysis<ClassRetained>('analysis/class-retained.ts', 'computeClassRetainedSizes');
const growth = await importAnalysis<Growth>('analysis/growth.ts', 'computeGrowth');
const cycles = await importAnalysis<Cycles>('analysis/cycles.ts', 'findUserCycles');
const finalization = await importAnalysis<Finalization>('analysis/finalization.ts', 'findUnfinalizableRegistrations');
const { main } = await import('../../src/cli/main.ts');
const commands = await registeredCommands();

function missing(...modules: unknown[]): string | undefined {
  const notes = modules.filter((m): m is string => typeof m === 'string');
  return notes.length > 0 ? notes.join('; ') : undefined;
}

await runChild({
  async probe() {
    return {
      facts: {
        commands,
        full: missing(distances, dominators, classRetained) ?? 'ok',
        growth: missing(growth) ?? 'ok',
        cycles: missing(cycles, finalization) ?? 'ok',
      },
    };
  },

  async top([file]: string[]) {
    const { phases, lap } = createLaps();
    const graph = await loadGraph(file);
    lap('parse');
    const histogram = computeHistogram(graph);
    lap('histogram');
    return { phases, facts: { nodeCount: graph.nodeCount, edgeCount: graph.edgeCount, classes: histogram.classes.length } };
  },

  async full([file]: string[]) {
    const skipped = missing(distances, dominators, classRetained);
    if (skipped) return { skipped };
    const d = distances as Distances;
    const dom = dominators as Dominators;
    const { phases, lap } = createLaps();
    const graph = await loadGraph(file);
    lap('parse');
    const histogram = computeHistogram(graph);
    lap('histogram');
    d.computeDistances(graph);
    lap('distances');
    dom.computeDominatorTree(graph);
    lap('dominators');
    const retained = dom.computeRetainedSizes(graph);
    lap('retained');
    (classRetained as ClassRetained).computeClassRetainedSizes(graph, computeClassIndex(graph, 'devtools'));
    lap('class retained');
    return { phases, facts: { nodeCount: graph.nodeCount, classes: histogram.classes.length, totalRetained: retained[graph.rootOrdinal] } };
  },

  async growth(args: string[]) {
    const skipped = missing(growth);
    if (skipped) return { skipped };
    const files = args.filter((a) => !a.startsWith('--'));
    const { phases, lap } = createLaps();
    const graphs = [];
    for (const file of files) {
      graphs.push(await loadGraph(file));
      lap('parse');
    }
    const result = (growth as Growth).computeGrowth(graphs, { retainedSizes: args.includes('--retained') });
    lap('growth');
    const grown = result.classes.filter((c) => c.delta > 0).length;
    return { phases, facts: { classes: result.classes.length, grown } };
  },

  async cycles([file]: string[]) {
    const skipped = missing(cycles, finalization);
    if (skipped) return { skipped };
    const { phases, lap } = createLaps();
    const graph = await loadGraph(file);
    lap('parse');
    const found = (cycles as Cycles).findUserCycles(graph);
    lap('cycles');
    const leaks = (finalization as Finalization).findUnfinalizableRegistrations(graph);
    lap('finalization');
    return { phases, facts: { userCycles: found.userCycleCount, components: found.componentCount, finalizationLeaks: leaks.leaks.length } };
  },

  async cli(argv: string[]) {
    if (!commands.includes(argv[0])) return { skipped: `leakscope has no \`${argv[0]}\` command yet (src/cli/commands/${argv[0]}.ts)` };
    let stdoutBytes = 0;
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      stdoutBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof process.stdout.write;
    // Keep what the CLI says on stderr (still passed through) so a refusal reaches the table.
    let stderrTail = '';
    const writeStderr = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      stderrTail = (stderrTail + (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))).slice(-2000);
      return (writeStderr as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
    const exitCode = await main(argv);
    // 0 = done, 1 = a check found something (growth over a threshold): both are completed runs.
    if (exitCode >= 2) {
      const message = stderrTail.trim().split('\n').filter((l) => l.startsWith('leakscope:')).shift() ?? '';
      throw new Error(`leakscope ${argv[0]} exited with ${exitCode}${message ? ` (${message})` : ''}`);
    }
    return { facts: { exitCode, stdoutBytes } };
  },
});
