// `leakscope count SNAP --class NAME` (objgraph's count).

import type { Command } from 'commander';
import { membersOfClass, selfSizesFor } from '../../analysis/histogram.ts';
import { resolveClassName } from '../../analysis/class-lookup.ts';
import { renderJson } from '../../report/json.ts';
import { formatBytes, formatCount } from '../../report/format.ts';
import { sanitizeForTerminal } from '../../report/sanitize.ts';
import { addClassOptions, commandAction, loadForCli, writeOut, type ClassOptions } from '../io.ts';
import { addClassNameOption, requiredClassName, type ClassNameOptions } from '../targets.ts';

interface CountOptions extends ClassOptions, ClassNameOptions {
  json?: boolean;
}

export function registerCountCommand(program: Command): void {
  const command = program
    .command('count')
    .description('how many objects of one class, and their self size (objgraph count)')
    .argument('<snapshot>', '.heapsnapshot file (or .heapsnapshot.gz)');
  addClassNameOption(command, 'class name as `top` shows it (DevTools or raw V8 name; any case when that names one class); required')
    .option('--json', 'print JSON: {"type","count","selfSize"} ("type": the class)');
  addClassOptions(command)
    .addHelpText('after', `
A name that matches no class is exit 2, with the closest class names.

Examples:
  $ leakscope count app.heapsnapshot --class Connection
  $ leakscope count app.heapsnapshot --class '{host, port}' --json`)
    .action(commandAction(async (file: string, options: CountOptions) => {
      const requested = requiredClassName(options);
      const graph = await loadForCli(file);
      // An unknown name is a usage error with the closest names, never "0 objects".
      const className = resolveClassName(graph, requested, options.names, file);
      const members = membersOfClass(graph, className, options);
      const sizes = selfSizesFor(graph, options.rawSizes);
      let selfSize = 0;
      for (const ordinal of members) selfSize += sizes[ordinal];
      if (options.json) writeOut(renderJson({ type: className, count: members.length, selfSize }));
      else writeOut(`${sanitizeForTerminal(className)}: ${formatCount(members.length)} objects, ${formatBytes(selfSize)}`);
      return 0;
    }));
}
