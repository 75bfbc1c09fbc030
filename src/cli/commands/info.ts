// `leakscope info SNAP`: what wrote the snapshot, its format, its size and how long reading took.

import type { Command } from 'commander';
import { computeStatistics, detectRuntime } from '../../analysis/statistics.ts';
import { renderJson } from '../../report/json.ts';
import { infoToJson, renderInfoText } from '../../report/info.ts';
import { commandAction, loadForCli, stdoutStyle, writeOut } from '../io.ts';

export function registerInfoCommand(program: Command): void {
  program
    .command('info')
    .description('runtime and format facts: node/edge/string counts, total size, parse time')
    .argument('<snapshot>', '.heapsnapshot file (or .heapsnapshot.gz)')
    .option('--json', 'print JSON (shape in the README)')
    .addHelpText('after', `
Examples:
  $ leakscope info app.heapsnapshot
  $ leakscope info app.heapsnapshot --json`)
    .action(commandAction(async (file: string, options: { json?: boolean }) => {
      const graph = await loadForCli(file);
      const runtime = detectRuntime(graph);
      const statistics = computeStatistics(graph);
      if (options.json) writeOut(renderJson(infoToJson(graph, file, runtime, statistics)));
      else writeOut(renderInfoText(graph, file, runtime, statistics, stdoutStyle()));
      return 0;
    }));
}
