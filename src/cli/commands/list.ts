// `leakscope list SNAP --class NAME` (objgraph's by_type): the instances, largest first.

import type { Command } from 'commander';
import { membersOfClass, selfSizesFor } from '../../analysis/histogram.ts';
import { resolveClassName } from '../../analysis/class-lookup.ts';
import { previewNode } from '../../analysis/preview.ts';
import { computeRetainedSizes } from '../../analysis/dominators.ts';
import { computeDistances } from '../../analysis/distances.ts';
import { renderJsonChunks } from '../../report/json-stream.ts';
import { instancesToJson, instanceTableLines, type InstanceRow } from '../../report/class-tables.ts';
import { formatCount } from '../../report/format.ts';
import { sanitizeForTerminal } from '../../report/sanitize.ts';
import { LeakscopeError } from '../../errors.ts';
import { addClassOptions, commandAction, loadForCli, parseNonNegativeInt, stdoutStyle, writeOut, type ClassOptions } from '../io.ts';
import { joinLines, writeChunks } from '../write-chunks.ts';
import { readAllocationTraces } from '../../snapshot/allocation-traces.ts';
import { allocationSitesOf } from '../../analysis/allocation-sites.ts';
import { addClassNameOption, requiredClassName, type ClassNameOptions } from '../targets.ts';
import { upToLimit } from '../../report/limit.ts';

interface ListOptions extends ClassOptions, ClassNameOptions {
  limit: number;
  json?: boolean;
}

export function registerListCommand(program: Command): void {
  const command = program
    .command('list')
    .description('the objects of one class, largest retained size first: @id, distance, sizes, preview (objgraph by_type)')
    .argument('<snapshot>', '.heapsnapshot file (or .heapsnapshot.gz)');
  addClassNameOption(command, 'class name as `top` shows it (DevTools or raw V8 name); required')
    .option('-n, --limit <n>', 'objects to show; 0 shows all', parseNonNegativeInt, 20)
    .option('--json', 'print JSON: {"type","objects":[{"id","selfSize","retainedSize","distance","preview"}]} ("type": the class)');
  addClassOptions(command)
    .addHelpText('after', `
Examples:
  $ leakscope list app.heapsnapshot --class Connection
  $ leakscope list app.heapsnapshot --class '(string)' --limit 5 --json`)
    .action(commandAction(async (file: string, options: ListOptions) => {
      const requested = requiredClassName(options);
      const graph = await loadForCli(file);
      await readAllocationTraces(file, graph);
      const className = resolveClassName(graph, requested, options.names, file);
      const members = Array.from(membersOfClass(graph, className, options));
      if (members.length === 0 && !options.json) throw new LeakscopeError(`no object of class "${className}" in ${file} (see \`leakscope top\` for the class names)`);
      const sizes = selfSizesFor(graph, options.rawSizes);
      const retained = computeRetainedSizes(graph);
      const distances = computeDistances(graph);
      members.sort((a, b) => retained[b] - retained[a] || sizes[b] - sizes[a] || graph.nodeId[a] - graph.nodeId[b]);
      const shown = upToLimit(members, options.limit);
      // Where each was allocated, when the snapshot carries allocation stacks (null otherwise: output unchanged).
      const allocated = allocationSitesOf(graph, shown);
      const rows: InstanceRow[] = shown.map((ordinal, k) => ({
        id: graph.nodeId[ordinal],
        selfSize: sizes[ordinal],
        retainedSize: retained[ordinal],
        distance: distances[ordinal],
        preview: previewNode(graph, ordinal),
        ...(allocated === null ? {} : { allocatedIn: allocated[k] ?? [] }),
      }));
      // Hundreds of thousands of rows are a normal request (--limit 0): written in chunks, never one string.
      if (options.json) {
        await writeChunks(renderJsonChunks({ type: className, objects: instancesToJson(rows) }));
        return 0;
      }
      const style = stdoutStyle();
      await writeChunks(joinLines(instanceTableLines(rows, style, process.cwd())));
      const more = members.length - shown.length;
      writeOut(style.dim(`${formatCount(members.length)} objects of class ${sanitizeForTerminal(className)}${more > 0 ? `; ${formatCount(more)} more (--limit 0 shows all)` : ''}`));
      return 0;
    }));
}
