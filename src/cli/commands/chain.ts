// `leakscope chain SNAP (--type NAME | --id ID)`: why is this object alive? The shortest chain of
// strong references from a root (objgraph find_backref_chain + show_chain).

import type { Command } from 'commander';
import { LeakscopeError } from '../../errors.ts';
import { findRetainerChain, groupChainsByShape } from '../../analysis/paths.ts';
import { renderJson } from '../../report/json.ts';
import {
  chainToDot, chainToJson, renderChainGroupsText, renderChainText, transientRootWarning,
} from '../../report/retainers.ts';
import { formatCount } from '../../report/format.ts';
import { sanitizeLine } from '../io.ts';
import { addClassOptions, checkOutputPaths, commandAction, loadForCli, parseNodeId, writeOut } from '../io.ts';
import { checkTargetOptions, membersOrThrow, resolveTargets, writeGraphFiles, type TargetOptions } from '../targets.ts';
import type { HeapGraph } from '../../snapshot/heap-graph.ts';

interface ChainOptions extends TargetOptions {
  all?: boolean;
  json?: boolean;
  dot?: string;
  svg?: string;
}

export function registerChainCommand(program: Command): void {
  const command = program
    .command('chain')
    .description('the shortest chain of strong references from a root to an object: why it is alive (objgraph find_backref_chain)')
    .argument('<snapshot>', '.heapsnapshot file (or .heapsnapshot.gz)')
    .option('-t, --type <name>', 'class name as `top` shows it; explains the instance nearest a root (ties: larger retained size)')
    .option('--id <id>', 'snapshot object id, as `@123` or `123`', parseNodeId)
    .option('--all', 'with --type: every instance, grouped by chain shape (edge names and classes), largest total retained size first')
    .option('--json', 'print JSON: {"target":{…},"chain":[{"node":{"id","name","type"},"edge":{"type","name"}|null}]}')
    .option('--dot <file>', 'also write the chain as Graphviz DOT')
    .option('--svg <file>', 'also write the chain as an SVG picture (rendered in-process)');
  addClassOptions(command)
    .addHelpText('after', `
The chain is printed root first, one hop per line; edges are written as DevTools does:
.prop  [index]  ->closureVariable  {internal}  [[weak]]. Among equally short chains the one
through properties, elements and closure variables wins over V8 internals.

Examples:
  $ leakscope chain app.heapsnapshot --type RequestContext
  $ leakscope chain app.heapsnapshot --id @12345 --json
  $ leakscope chain app.heapsnapshot --type RequestContext --all
  $ leakscope chain app.heapsnapshot --type RequestContext --svg chain.svg`)
    .action(commandAction(async (file: string, options: ChainOptions) => {
      checkTargetOptions(options);
      if (options.all && options.type === undefined) throw new LeakscopeError('--all groups the instances of a type: use it with --type');
      checkOutputPaths([['--dot', options.dot], ['--svg', options.svg]], [file], 'the chain');
      const graph = await loadForCli(file);
      if (options.all) return printGroups(graph, file, options);
      const [target] = resolveTargets(graph, file, options);
      const chain = findRetainerChain(graph, target);
      if (chain === null) {
        throw new LeakscopeError(`@${graph.nodeId[target]} is held by no strong reference in ${file} (only weak references, or garbage awaiting collection)`);
      }
      writeOut(options.json ? renderJson(chainToJson(graph, chain)) : renderChainText(graph, chain));
      const warning = transientRootWarning(chain);
      if (warning !== null) process.stderr.write(`leakscope: warning: ${sanitizeLine(warning)}\n`);
      await writeGraphFiles(chainToDot(graph, chain), options);
      return 0;
    }));
}

async function printGroups(graph: HeapGraph, file: string, options: ChainOptions): Promise<number> {
  const members = membersOrThrow(graph, file, options);
  const result = groupChainsByShape(graph, members);
  if (options.json) {
    writeOut(renderJson({
      type: options.type,
      groups: result.groups.map((g) => ({
        count: g.count,
        totalRetainedSize: g.totalRetained,
        ids: g.members.map((o) => graph.nodeId[o]),
        ...chainToJson(graph, g.chain),
      })),
      unreachable: result.unreachable.map((o) => graph.nodeId[o]),
    }));
  } else {
    writeOut(renderChainGroupsText(graph, options.type!, result));
  }
  const top = result.groups[0];
  if (top === undefined) {
    process.stderr.write(`leakscope: warning: none of the ${formatCount(members.length)} objects is held by a strong reference\n`);
    return 0;
  }
  // A picture of one chain per group would be unreadable for many groups: draw the largest.
  await writeGraphFiles(chainToDot(graph, top.chain), options);
  return 0;
}

