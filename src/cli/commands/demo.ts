// `leakscope demo`: the README's first command. Runs the bundled leaky server scenario
// (examples/leaky-scenario.mjs) as `run` would, shows `growth` over its snapshots and the `chain`
// of the leaked RequestLog objects, writes the chain as leakscope-demo.svg, and says in three lines
// what the user is looking at.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { groupChainsByShape } from '../../analysis/chain-groups.ts';
import { viewOfChain } from '../../analysis/paths.ts';
import { registerCleanup, removeWhenGone } from '../../capture/children.ts';
import { runScenario } from '../../capture/scenario.ts';
import { LeakscopeError } from '../../errors.ts';
import { chainToDot, renderChainGroupsText } from '../../report/retainers.ts';
import { computeNodeMeasures } from '../../analysis/node-measures.ts';
import { stopSvgRenderer } from '../../report/svg.ts';
import { formatBytes } from '../../report/format.ts';
import { sanitizeForTerminal } from '../../report/sanitize.ts';
import { checkOutputPaths, commandAction, loadAllForCli, stdoutStyle, writeOut } from '../io.ts';
import { writeGraphFiles } from '../targets.ts';
import { computeGrowthOfGraphs, reportGrowthResult, resolveGrowthSettings } from './growth.ts';

const SCENARIO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples/leaky-scenario.mjs');
const LEAKED_CLASS = 'RequestLog';
/** Enough requests for an unmistakable signal, few enough that the demo takes seconds. */
const DEMO_RUN = { warmup: 30, iterations: 60, batches: 3 };

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run a bundled leaky HTTP server, show what grows and what holds it, and draw the chain as leakscope-demo.svg')
    .option('--out <file>', 'where to write the SVG', 'leakscope-demo.svg')
    .option('--keep', 'keep the snapshots (their folder is printed)')
    .addHelpText('after', `
The program is ${path.relative(process.cwd(), SCENARIO) || SCENARIO}: each request pushes a RequestLog into a
module-level array that is never trimmed. \`leakscope run\` on your own scenario does the same.`)
    .action(commandAction(async (options: { out: string; keep?: boolean }) => runDemo(options)));
}

async function runDemo(options: { out: string; keep?: boolean }): Promise<number> {
  checkOutputPaths([['--out', options.out]], [SCENARIO], 'the demo');
  const style = stdoutStyle();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-demo-'));
  // As in `run`: removed in `finally`, by the signal handler while the scenario runs, and by
  // removeWhenGone should leakscope die where no JS runs (Ctrl-C during the synchronous analysis).
  const unregister = options.keep ? () => undefined : registerCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  const releaseRemover = options.keep ? () => undefined : removeWhenGone(dir);
  try {
    process.stderr.write(`leakscope: running ${sanitizeForTerminal(path.relative(process.cwd(), SCENARIO) || SCENARIO, 200)}: ${DEMO_RUN.warmup} warm-up requests, then ${DEMO_RUN.iterations} more with a snapshot every ${DEMO_RUN.iterations / DEMO_RUN.batches}\n`);
    const run = await runScenario({
      scenario: SCENARIO,
      dir,
      ...DEMO_RUN,
      onSnapshot: (s) => process.stderr.write(`leakscope: snapshot ${s.index + 1}/${DEMO_RUN.batches + 1} (${formatBytes(s.bytes)})\n`),
    });
    // The analysis is synchronous: drop the handler so Ctrl-C ends leakscope at once (see run.ts).
    unregister();
    const graphs = await loadAllForCli(run.snapshots);
    const labels = run.snapshots.map((file) => path.basename(file));

    writeOut(style.bold('$ leakscope growth snapshot-*.heapsnapshot --fail-on-growth'));
    const settings = resolveGrowthSettings({ failOnGrowth: true, limit: 8 });
    const growth = computeGrowthOfGraphs(graphs, labels, settings);
    const last = graphs[graphs.length - 1];
    await reportGrowthResult(growth, last, settings);

    const leaked = growth.classes.find((c) => c.name === LEAKED_CLASS);
    if (!leaked || leaked.newOrdinals.length === 0) throw new LeakscopeError(`the demo expected ${LEAKED_CLASS} to grow, and it did not; please report this`);
    const groups = groupChainsByShape(last, leaked.newOrdinals);
    writeOut('');
    writeOut(style.bold(`$ leakscope chain ${labels[labels.length - 1]} --class ${LEAKED_CLASS} --all --svg ${options.out}`));
    writeOut(renderChainGroupsText(last, LEAKED_CLASS, groups));
    const top = groups.groups[0];
    if (top) await writeGraphFiles(chainToDot(last, viewOfChain(top.chain), computeNodeMeasures(last)), { svg: options.out });

    writeOut('');
    writeOut(style.bold('What you see:'));
    writeOut(`  1. ${LEAKED_CLASS} grew by exactly one per request (${leaked.counts.join(' → ')}) in every batch: objects that should die with their request survive.`);
    writeOut('  2. The chain shows who keeps them: a module-level array (->requestLog, a closure variable of the server) holds every RequestLog.');
    writeOut(`  3. ${options.out} draws that chain; the fix is to stop appending, or bound the array. Try it on your code: leakscope run your-scenario.mjs`);
    if (options.keep) process.stderr.write(`leakscope: snapshots kept in ${sanitizeForTerminal(dir, 300)}\n`);
    return 0;
  } finally {
    unregister();
    await stopSvgRenderer().catch(() => undefined);
    if (!options.keep) fs.rmSync(dir, { recursive: true, force: true });
    releaseRemover();
  }
}
