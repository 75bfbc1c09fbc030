// `leakscope chain SNAP (--class NAME | --id ID)`: why is this object alive? The shortest chain of
// strong references from a root (objgraph find_backref_chain + show_chain).

import type { Command } from 'commander';
import { LeakscopeError } from '../../errors.ts';
import { CHAIN_VIEW_LIMITS, RetainerChainFinder } from '../../analysis/paths.ts';
import { groupChainsByShape, type ChainGroup } from '../../analysis/chain-groups.ts';
import { computeNodeMeasures } from '../../analysis/node-measures.ts';
import { renderJsonChunks } from '../../report/json-stream.ts';
import {
  chainGroupsLines, chainToDot, chainToJson, renderChainText, transientRootWarning, wholeChainLines, wholeChainToJson, type ChainJson,
} from '../../report/retainers.ts';
import { renderJson } from '../../report/json.ts';
import { formatCount } from '../../report/format.ts';
import { sanitizeLine, stdoutStyle } from '../io.ts';
import { addClassOptions, checkOutputPaths, commandAction, loadForCli, parseNodeId, parseNonNegativeInt, writeOut } from '../io.ts';
import { addClassNameOption, checkTargetOptions, classNameOf, membersOrThrow, resolveTargets, writeGraphFiles, type TargetOptions } from '../targets.ts';
import { joinLines, writeChunks } from '../write-chunks.ts';
import { readAllocationTraces } from '../../snapshot/allocation-traces.ts';
import { allocationSiteOf, groupByAllocationSite } from '../../analysis/allocation-sites.ts';
import { allocationFrameToJson, allocationSitesToJson, formatAllocationStack, renderAllocationSitesTable } from '../../report/allocation-sites.ts';
import type { HeapGraph } from '../../snapshot/heap-graph.ts';
import { upToLimit } from '../../report/limit.ts';

/** Chain shapes `--all` shows by default: one screen; the rest are counted. */
const DEFAULT_GROUP_LIMIT = 20;
/** Member ids per group (and unreachable ids) in `--all --json`: examples, not a listing (`list` lists). */
const MAX_IDS = 100;
/** No limit on the steps of a chain: `--all-hops`. */
const ALL_STEPS = { head: Infinity, tail: Infinity };

interface ChainOptions extends TargetOptions {
  all?: boolean;
  allHops?: boolean;
  limit: number;
  json?: boolean;
  dot?: string;
  svg?: string;
}

export function registerChainCommand(program: Command): void {
  const command = program
    .command('chain')
    .description('the shortest chain of strong references from a root to an object: why it is alive (objgraph find_backref_chain)')
    .argument('<snapshot>', '.heapsnapshot file (or .heapsnapshot.gz)');
  addClassNameOption(command, 'class name as `top` shows it; explains the instance nearest a root (ties: larger retained size)')
    .option('--id <id>', 'snapshot object id, as `@123` or `123`', parseNodeId)
    .option('--all', 'with --class: every instance, grouped by chain shape (edge names and classes; repeated hops of a list count once), largest total retained size first')
    .option('-n, --limit <n>', `with --all: chain shapes to show; 0 shows all (default ${DEFAULT_GROUP_LIMIT})`, parseNonNegativeInt, DEFAULT_GROUP_LIMIT)
    .option('--all-hops', `print every hop of a long chain (by default the first ${CHAIN_VIEW_LIMITS.head} and last ${CHAIN_VIEW_LIMITS.tail} hops, with a count of the rest); pictures stay cut`)
    .option('--json', 'print JSON: {"target":{…},"chain":[{"node":{"id","name","type"},"edge":{"type","name"}|null} | {"elidedHops"}]}')
    .option('--dot <file>', 'also write the chain as Graphviz DOT')
    .option('--svg <file>', 'also write the chain as an SVG picture (rendered in-process)');
  addClassOptions(command)
    .addHelpText('after', `
The chain is printed root first, one hop per line; edges are written as DevTools does:
.prop  [index]  ->closureVariable  {internal}  [[weak]]. Among equally short chains the one
through properties, elements and closure variables wins over V8 internals. A chain longer than
${CHAIN_VIEW_LIMITS.head + CHAIN_VIEW_LIMITS.tail} hops (a linked list) shows its first and last hops and "… N more hops …"; with --all, the hops
of a list (each node held by the previous one) are one line with their count.

--all --json: {"type","groups":[{"count","totalRetainedSize","heldByOwnClass","ids":[first ${MAX_IDS}],
"target","chain"}],"moreGroups","unreachable":[first ${MAX_IDS} ids],"unreachableCount"}; each group's
chain is that of its deepest member.

Examples:
  $ leakscope chain app.heapsnapshot --class RequestContext
  $ leakscope chain app.heapsnapshot --id @12345 --json
  $ leakscope chain app.heapsnapshot --class RequestContext --all
  $ leakscope chain app.heapsnapshot --class Node --json --all-hops > chain.json
  $ leakscope chain app.heapsnapshot --class RequestContext --svg chain.svg`)
    .action(commandAction(async (file: string, options: ChainOptions) => {
      checkTargetOptions(options);
      if (options.all && classNameOf(options) === undefined) throw new LeakscopeError('--all groups the instances of a class: use it with --class');
      checkOutputPaths([['--dot', options.dot], ['--svg', options.svg]], [file], 'the chain');
      const graph = await loadForCli(file);
      await readAllocationTraces(file, graph);
      if (options.all) return printGroups(graph, file, options);
      const [target] = resolveTargets(graph, file, options);
      const finder = new RetainerChainFinder(graph);
      const view = finder.view(target);
      const measures = computeNodeMeasures(graph);
      if (view === null) {
        throw new LeakscopeError(`@${graph.nodeId[target]} is held by no strong reference in ${file} (only weak references, or garbage awaiting collection)`);
      }
      // Every hop of a chain millions of hops long is streamed from typed arrays, never one string.
      if (options.allHops) {
        const whole = finder.collect(target)!;
        await writeChunks(options.json ? renderJsonChunks(wholeChainToJson(graph, whole, measures)) : joinLines(wholeChainLines(graph, whole, measures)));
      } else {
        // Where the object was allocated, when the snapshot carries allocation stacks (null otherwise: output unchanged).
        const allocated = allocationSiteOf(graph, target);
        writeOut(options.json
          ? renderJson({ ...chainToJson(graph, view, measures), ...(allocated === null ? {} : { allocatedIn: allocated.map(allocationFrameToJson) }) })
          : `${renderChainText(graph, view, measures)}${allocated === null ? '' : `\nAllocated in: ${formatAllocationStack(allocated, process.cwd())}`}`);
      }
      const warning = transientRootWarning(view);
      if (warning !== null) process.stderr.write(`leakscope: warning: ${sanitizeLine(warning)}\n`);
      await writeGraphFiles(chainToDot(graph, view, measures), options);
      return 0;
    }));
}

async function printGroups(graph: HeapGraph, file: string, options: ChainOptions): Promise<number> {
  const members = membersOrThrow(graph, file, options);
  const result = groupChainsByShape(graph, members);
  const shown = upToLimit(result.groups, options.limit);
  const measures = computeNodeMeasures(graph);
  const sites = groupByAllocationSite(graph, members, options.rawSizes);
  if (options.json) {
    const finder = new RetainerChainFinder(graph);
    // A group's chain in JSON is hop by hop, like `chain --json`: runs are not merged.
    const chainOf = (g: ChainGroup): ChainJson => (options.allHops ? wholeChainToJson(graph, finder.collect(g.example)!, measures) : chainToJson(graph, finder.view(g.example)!, measures));
    await writeChunks(renderJsonChunks({
      type: classNameOf(options),
      groups: shown.map((g) => ({
        count: g.count,
        totalRetainedSize: g.retainedSize,
        heldByOwnClass: g.heldByOwnClass,
        ids: g.members.slice(0, MAX_IDS).map((o) => graph.nodeId[o]),
        ...chainOf(g),
      })),
      moreGroups: result.groups.length - shown.length,
      unreachable: result.unreachable.slice(0, MAX_IDS).map((o) => graph.nodeId[o]),
      unreachableCount: result.unreachable.length,
      ...(sites === null ? {} : { allocationSites: allocationSitesToJson(sites) }),
    }));
  } else {
    await writeChunks(joinLines(chainGroupsLines(graph, classNameOf(options)!, result, { limit: options.limit, steps: options.allHops ? ALL_STEPS : undefined })));
    if (sites !== null) writeOut(`\n${renderAllocationSitesTable(sites, { limit: options.limit, baseDir: process.cwd(), style: stdoutStyle(), title: `Where the ${formatCount(members.length)} objects were allocated` })}`);
  }
  const top = result.groups[0];
  if (top === undefined) {
    process.stderr.write(`leakscope: warning: none of the ${formatCount(members.length)} objects is held by a strong reference\n`);
    return 0;
  }
  // A picture of one chain per group would be unreadable for many groups: draw the largest.
  await writeGraphFiles(chainToDot(graph, top.view, measures), options);
  return 0;
}
