// `leakscope refs` / `leakscope backrefs SNAP (--class NAME | --id ID)`: the bounded graph of what an
// object refers to / what refers to it (objgraph show_refs / show_backrefs), as a text tree, JSON,
// DOT or SVG.

import { Option, type Command } from 'commander';
import { computeClassIndex } from '../../snapshot/class-names.ts';
import type { HeapGraph } from '../../snapshot/heap-graph.ts';
import { MAX_REF_DEPTH, MAX_REF_NODES, computeRefGraph, type RefDirection } from '../../analysis/ref-graph.ts';
import { formatCount } from '../../report/format.ts';
import { renderJson } from '../../report/json.ts';
import { computeNodeMeasures } from '../../analysis/node-measures.ts';
import { refGraphToDot, refGraphToJson, renderRefTree } from '../../report/retainers.ts';
import { addClassOptions, checkOutputPaths, commandAction, loadForCli, parseNodeId, parsePositiveInt, parseNonNegativeInt, writeOut } from '../io.ts';
import { addClassNameOption, checkTargetOptions, resolveTargets, writeGraphFiles, type TargetOptions } from '../targets.ts';

/** Three hops and ten neighbours per node: what fits on one screen or one readable picture. */
const DEFAULT_DEPTH = 3;
const DEFAULT_FANOUT = 10;

interface RefsOptions extends TargetOptions {
  depth: number;
  maxFanout: number;
  filter?: string[];
  targets: number;
  json?: boolean;
  dot?: string;
  svg?: string;
}

export function registerRefsCommands(program: Command): void {
  registerOne(program, 'refs');
  registerOne(program, 'backrefs');
}

function registerOne(program: Command, direction: RefDirection): void {
  const isBack = direction === 'backrefs';
  const command = program
    .command(direction)
    .description(isBack
      ? 'the graph of what refers to an object, bounded by depth and fan-out (objgraph show_backrefs)'
      : 'the graph of what an object refers to, bounded by depth and fan-out (objgraph show_refs)')
    .argument('<snapshot>', '.heapsnapshot file (or .heapsnapshot.gz)');
  addClassNameOption(command, 'class name as `top` shows it; starts from the instance nearest a root')
    .option('--id <id>', 'snapshot object id, as `@123` or `123`', parseNodeId)
    .option('--targets <n>', 'with --class: start from the N instances nearest a root', parsePositiveInt, 1)
    .option('--depth <n>', `hops from the targets (at most ${MAX_REF_DEPTH})`, parseNonNegativeInt, DEFAULT_DEPTH)
    .option('--max-fanout <n>', `${isBack ? 'retainers' : 'references'} kept per object; the rest become one "… N more" node`, parsePositiveInt, DEFAULT_FANOUT)
    .option('--filter <class...>', `only show ${isBack ? 'retainers' : 'referenced objects'} of these classes (the targets are always shown)`)
    .option('--json', 'print JSON: {"direction","targets","nodes":[…],"edges":[…],"truncated":[…]}')
    .addOption(new Option('--dot <file>', 'write the graph as Graphviz DOT instead of printing a tree (- for stdout)').conflicts('svg'))
    .addOption(new Option('--svg <file>', 'write the graph as an SVG picture (rendered in-process) instead of printing a tree (- for stdout)'));
  addClassOptions(command)
    .addHelpText('after', `
Weak references are drawn dashed, V8-internal ones gray; the targets are highlighted. The graph
stops at ${formatCount(MAX_REF_NODES)} objects; a deeper question is a chain: see \`leakscope chain\`.
${isBack ? 'Retainers are listed nearest-the-root first, then by larger retained size (as DevTools orders them).' : 'References are listed nearest-the-root first, then by larger retained size.'}

Examples:
  $ leakscope ${direction} app.heapsnapshot --class RequestContext
  $ leakscope ${direction} app.heapsnapshot --id @12345 --depth 5 --max-fanout 3
  $ leakscope ${direction} app.heapsnapshot --class RequestContext --svg ${direction}.svg
  $ leakscope ${direction} app.heapsnapshot --id 12345 --filter Array Object --json`)
    .action(commandAction(async (file: string, options: RefsOptions) => {
      checkTargetOptions(options);
      checkOutputPaths([['--dot', options.dot], ['--svg', options.svg]], [file], options.json ? 'the JSON' : null);
      if (options.depth > MAX_REF_DEPTH) {
        process.stderr.write(`leakscope: warning: --depth ${options.depth} is capped at ${MAX_REF_DEPTH} hops; to follow a longer chain use \`leakscope chain\`\n`);
      }
      const graph = await loadForCli(file);
      const targets = resolveTargets(graph, file, options, options.targets);
      const result = computeRefGraph(graph, targets, {
        direction,
        depth: Math.min(options.depth, MAX_REF_DEPTH),
        maxFanout: options.maxFanout,
        isShown: options.filter === undefined ? undefined : classFilter(graph, options),
      });
      if (result.isNodeLimitReached) {
        process.stderr.write(`leakscope: warning: the graph stops at ${formatCount(MAX_REF_NODES)} objects ("… N more" marks what was left out); lower --depth or --max-fanout, or use --filter\n`);
      }
      const measures = computeNodeMeasures(graph);
      if (options.json) writeOut(renderJson(refGraphToJson(graph, result, measures)));
      else if (options.dot === undefined && options.svg === undefined) writeOut(renderRefTree(graph, result, measures));
      await writeGraphFiles(refGraphToDot(graph, result, measures), options);
      return 0;
    }));
}

/** Accepts a node whose class (in the chosen naming) or raw V8 name is one of --filter's. */
function classFilter(graph: HeapGraph, options: RefsOptions): (ordinal: number) => boolean {
  const wanted = new Set(options.filter);
  const classes = computeClassIndex(graph, options.names);
  return (ordinal) => wanted.has(classes.names[classes.classOf[ordinal]]) || wanted.has(graph.nodeNameOf(ordinal));
}
