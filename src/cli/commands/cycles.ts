// `leakscope cycles SNAP`: what a FinalizationRegistry can never finalize, the reference cycles of
// user objects that a single outside reference keeps alive, and weak references held strongly anyway.
// The analyses live in src/analysis/{finalization,cycles,weak-kept}.ts, the report in src/report/cycles.ts.

import type { Command } from 'commander';
import { findUnfinalizableRegistrations } from '../../analysis/finalization.ts';
import { findUserCycles } from '../../analysis/cycles.ts';
import { findWeakKeptStrongly } from '../../analysis/weak-kept.ts';
import { cyclesReportToJson, cyclesToDot, renderCyclesText, type CyclesReportInput } from '../../report/cycles.ts';
import { renderJson } from '../../report/json.ts';
import { renderDot } from '../../report/dot.ts';
import { renderSvg } from '../../report/svg.ts';
import { writeOutput } from '../../output/write-output.ts';
import { EXIT_FINDING, LeakscopeError } from '../../errors.ts';
import { checkOutputPaths, commandAction, loadForCli, parseNonNegativeInt, stdoutStyle, writeOut } from '../io.ts';

interface CyclesOptions {
  json?: boolean;
  dot?: string;
  svg?: string;
  limit: number;
  failOnFinding?: boolean;
}

export function registerCyclesCommand(program: Command): void {
  program
    .command('cycles')
    .description('registrations a FinalizationRegistry can never finalize, reference cycles of user objects and what keeps them, weak references held strongly')
    .argument('<snapshot>', '.heapsnapshot file (or .heapsnapshot.gz)')
    .option('--json', 'print JSON: {"finalization":[…],"pendingCleanups":N,"cycles":[…],"weakKept":[…]}')
    .option('--dot <file>', 'write the findings as a Graphviz DOT graph (cycles highlighted)')
    .option('--svg <file>', 'write the findings as an SVG picture (rendered in-process)')
    .option('-n, --limit <n>', 'cycles to report, largest retained size first, and items listed per finding; 0 shows all', parseNonNegativeInt, 10)
    .option('--fail-on-finding', 'exit 1 when anything is found (for CI)')
    .addHelpText('after', `
Examples:
  $ leakscope cycles app.heapsnapshot
  $ leakscope cycles app.heapsnapshot --json --limit 0
  $ leakscope cycles app.heapsnapshot --svg cycles.svg
  $ leakscope cycles app.heapsnapshot --fail-on-finding   # CI: exit 1 if anything is found`)
    .action(commandAction(async (file: string, options: CyclesOptions) => {
      if (options.dot !== undefined && options.svg !== undefined) throw new LeakscopeError('choose one of --dot and --svg');
      checkOutputPaths([['--dot', options.dot], ['--svg', options.svg]], [file], 'the findings');
      const graph = await loadForCli(file);
      const found: CyclesReportInput = {
        finalization: findUnfinalizableRegistrations(graph),
        cycles: findUserCycles(graph, { limit: options.limit }),
        weakKept: findWeakKeptStrongly(graph).findings,
      };
      if (options.json) writeOut(renderJson(cyclesReportToJson(graph, found)));
      else writeOut(renderCyclesText(graph, found, options.limit, stdoutStyle()));
      if (options.dot !== undefined || options.svg !== undefined) {
        const dot = renderDot(cyclesToDot(graph, found));
        if (options.dot !== undefined) await writeOutput(options.dot, dot);
        else await writeOutput(options.svg!, await renderSvg(dot));
      }
      const isFound = found.finalization.leaks.length + found.cycles.cycles.length + found.weakKept.length > 0;
      return options.failOnFinding && isFound ? EXIT_FINDING : 0;
    }));
}
