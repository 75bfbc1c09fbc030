// Measurement child for leakscope: its compiled JavaScript (dist/, which bench/run.ts builds from
// the working tree first) on bare Node with the default flags, as `leakscope` runs for a user:
// no tsx in this process nor in the workers leakscope starts (tsx would add ~30 MB of RSS here and
// ~20 MB per worker), and no raised heap limit.
//
// Tasks (each in its own fresh process, so every measurement includes the first, cold parse):
//   probe                which analyses and commands exist in this working tree (they land while the
//                        benchmark is being written; missing ones are skipped with a note).
//   top FILE             loadSnapshot + computeHistogram: parse and the class histogram.
//   full FILE            "why is it alive": top, then distances, the dominator tree, retained sizes and
//                        class retained sizes — everything DevTools' Summary view shows, one phase at
//                        a time on one thread.
//   growth A B [--retained]  load both snapshots and computeGrowth (library level).
//   cycles FILE          parse, then findUserCycles + findUnfinalizableRegistrations; the `cycles`
//                        phase is the cost the analysis adds to parsing.
//   cli ARG…             run the real CLI (dist/cli/main.js) in-process with stdout discarded; the
//                        command's module is loaded before the stopwatch starts.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLaps, parseChildArgs, runChild } from './child-result.mjs';

const DIST = new URL('../../dist/', import.meta.url);

function hasModule(relative) {
  return fs.existsSync(fileURLToPath(new URL(relative, DIST)));
}

// As bin/leakscope.js does: `growth` starts its worker before the CLI's modules load, so the
// worker's own loading overlaps them (neither is timed, like module loading everywhere here).
const childArgs = parseChildArgs(process.argv.slice(2));
if (childArgs.task === 'cli' && childArgs.args[0] === 'growth' && hasModule('workers/growth-worker-start.js')) {
  const { startGrowthWorkerEarly } = await import(new URL('workers/growth-worker-start.js', DIST).href);
  startGrowthWorkerEarly();
}

/** Imports a module of dist/ if it exists and has `exportName`; otherwise says what is missing. */
async function importAnalysis(relative, exportName) {
  if (!hasModule(relative)) return `src/${relative.replace(/\.js$/, '.ts')} is not there yet`;
  const module = await import(new URL(relative, DIST).href);
  if (typeof module[exportName] !== 'function') return `src/${relative.replace(/\.js$/, '.ts')} has no ${exportName} yet`;
  return module;
}

// Imports happen before the stopwatch starts (runChild times only the task), so module loading is
// not counted — it is not counted for the peers either.
const { loadSnapshot } = await import(new URL('snapshot/load.js', DIST).href);
const { computeHistogram } = await import(new URL('analysis/histogram.js', DIST).href);
const { computeClassIndex } = await import(new URL('snapshot/class-names.js', DIST).href);
const distances = await importAnalysis('analysis/distances.js', 'computeDistances');
const dominators = await importAnalysis('analysis/dominators.js', 'computeRetainedSizes');
const classRetained = await importAnalysis('analysis/class-retained.js', 'computeClassRetainedSizes');
const growth = await importAnalysis('analysis/growth.js', 'computeGrowth');
const cycles = await importAnalysis('analysis/cycles.js', 'findUserCycles');
const finalization = await importAnalysis('analysis/finalization.js', 'findUnfinalizableRegistrations');
const { main, buildProgram } = await import(new URL('cli/main.js', DIST).href);
// The CLI loads only the command its command line names: so does this child, before timing (the
// probe lists them all).
const commandsLoaded = childArgs.task === 'probe' ? await buildProgram() : childArgs.task === 'cli' ? await buildProgram(childArgs.args) : null;
const commands = commandsLoaded === null ? [] : commandsLoaded.commands.map((c) => c.name());

function missing(...modules) {
  const notes = modules.filter((m) => typeof m === 'string');
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

  async top([file]) {
    const { phases, lap } = createLaps();
    const graph = await loadSnapshot(file);
    lap('parse');
    const histogram = computeHistogram(graph);
    lap('histogram');
    return { phases, facts: { nodeCount: graph.nodeCount, edgeCount: graph.edgeCount, classes: histogram.classes.length } };
  },

  async full([file]) {
    const skipped = missing(distances, dominators, classRetained);
    if (skipped) return { skipped };
    const { phases, lap } = createLaps();
    const graph = await loadSnapshot(file);
    lap('parse');
    const histogram = computeHistogram(graph);
    lap('histogram');
    distances.computeDistances(graph);
    lap('distances');
    dominators.computeDominatorTree(graph);
    lap('dominators');
    const retained = dominators.computeRetainedSizes(graph);
    lap('retained');
    classRetained.computeClassRetainedSizes(graph, computeClassIndex(graph, 'devtools'));
    lap('class retained');
    return { phases, facts: { nodeCount: graph.nodeCount, classes: histogram.classes.length, totalRetained: retained[graph.rootOrdinal] } };
  },

  async growth(args) {
    const skipped = missing(growth);
    if (skipped) return { skipped };
    const files = args.filter((a) => !a.startsWith('--'));
    const { phases, lap } = createLaps();
    const graphs = [];
    for (const file of files) {
      graphs.push(await loadSnapshot(file));
      lap('parse');
    }
    const result = growth.computeGrowth(graphs, { retainedSizes: args.includes('--retained') });
    lap('growth');
    const grown = result.classes.filter((c) => c.delta > 0).length;
    return { phases, facts: { classes: result.classes.length, grown } };
  },

  async cycles([file]) {
    const skipped = missing(cycles, finalization);
    if (skipped) return { skipped };
    const { phases, lap } = createLaps();
    const graph = await loadSnapshot(file);
    lap('parse');
    const found = cycles.findUserCycles(graph);
    lap('cycles');
    const leaks = finalization.findUnfinalizableRegistrations(graph);
    lap('finalization');
    return { phases, facts: { userCycles: found.userCycleCount, components: found.componentCount, finalizationLeaks: leaks.leaks.length } };
  },

  async cli(argv) {
    if (!commands.includes(argv[0])) return { skipped: `leakscope has no \`${argv[0]}\` command yet (src/cli/commands/${argv[0]}.ts)` };
    let stdoutBytes = 0;
    process.stdout.write = (chunk, ...rest) => {
      stdoutBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      rest.find((r) => typeof r === 'function')?.();
      return true;
    };
    // Keep what the CLI says on stderr (still passed through) so a refusal reaches the table.
    let stderrTail = '';
    const writeStderr = process.stderr.write.bind(process.stderr);
    process.stderr.write = (chunk, ...rest) => {
      stderrTail = (stderrTail + (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))).slice(-2000);
      return writeStderr(chunk, ...rest);
    };
    const exitCode = await main(argv);
    // 0 = done, 1 = a check found something (growth over a threshold): both are completed runs.
    if (exitCode >= 2) {
      const message = stderrTail.trim().split('\n').filter((l) => l.startsWith('leakscope:')).shift() ?? '';
      throw new Error(`leakscope ${argv[0]} exited with ${exitCode}${message ? ` (${message})` : ''}`);
    }
    return { facts: { exitCode, stdoutBytes } };
  },
});
