// `leakscope suspects SNAP`: from one snapshot, the objects (or groups of similar objects) that hold
// most of the heap, where their memory accumulates, and the chain to it (Eclipse MAT's Leak Suspects).

import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_THRESHOLD_PERCENT, findLeakSuspects } from '../../analysis/suspects.ts';
import type { NameMode } from '../../snapshot/class-names.ts';
import { renderJson } from '../../report/json.ts';
import { renderSuspectsText, suspectsToJson } from '../../report/suspects.ts';
import { EXIT_FINDING } from '../../errors.ts';
import { findNativeHeld } from '../../analysis/native-held.ts';
import { nativeHeldToJson, renderNativeHeldText } from '../../report/native-held.ts';
import { commandAction, loadForCli, stdoutStyle, writeOut } from '../io.ts';
import { loadWithSummaryWorker, prepareSuspectsInParallel } from '../../workers/summary-parallel.ts';

interface SuspectsOptions {
  threshold: number;
  names: NameMode;
  json?: boolean;
  failOnSuspect?: boolean;
  nativeOnly?: boolean;
}

/** `10`, `10%` or `2.5`: a share of the heap in percent, above 0 and at most 100. */
export function parsePercent(value: string): number {
  const text = value.trim().replace(/%$/, '');
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(text)) throw new InvalidArgumentError('expected a percentage like 10 or 2.5%');
  const percent = Number(text);
  if (!(percent > 0 && percent <= 100)) throw new InvalidArgumentError('expected a percentage above 0 and at most 100');
  return percent;
}

export function registerSuspectsCommand(program: Command): void {
  program
    .command('suspects')
    .description('leak suspects from one snapshot: what holds most of the heap, where it accumulates, and the chain to it (Eclipse MAT Leak Suspects)')
    .argument('<snapshot>', '.heapsnapshot file (or .heapsnapshot.gz)')
    .option('--threshold <percent>', 'share of the heap an object or group must retain to be a suspect', parsePercent, DEFAULT_THRESHOLD_PERCENT)
    .addOption(new Option('--names <mode>', 'class names: devtools (as Chrome DevTools groups them) or raw (V8 constructor names)').choices(['devtools', 'raw']).default('devtools'))
    .option('--json', 'print JSON (shape in the README)')
    .option('--fail-on-suspect', 'exit 1 when there is a suspect (for CI)')
    .option('--native-only', 'instead: the objects only native code keeps (no JavaScript object refers to them), by class')
    .addHelpText('after', `
A suspect is an object that retains at least --threshold of the heap (or objects of one shape,
siblings in the dominator tree, that do together). Below it, the accumulation point is the deepest
object still holding 80% of it: the collection where memory fans out into many objects. Node's
module registries are listed apart, not as suspects; V8's own caches are never named.

Examples:
  $ leakscope suspects Heap.20260101.120000.4242.0.001.heapsnapshot
  $ leakscope suspects app.heapsnapshot --threshold 5 --json
  $ leakscope suspects app.heapsnapshot --fail-on-suspect   # CI: exit 1 if something holds ≥ 10%
  $ leakscope suspects app.heapsnapshot --native-only       # held only by handles and embedder objects`)
    .action(commandAction(async (file: string, options: SuspectsOptions) => {
      const { graph, worker } = await loadWithSummaryWorker(file, loadForCli, !options.nativeOnly);
      if (options.nativeOnly) {
        const held = findNativeHeld(graph, options.names);
        writeOut(options.json ? renderJson(nativeHeldToJson(graph, held, file)) : renderNativeHeldText(graph, held, { file, style: stdoutStyle() }));
        return 0;
      }
      await prepareSuspectsInParallel(graph, options.names, worker);
      const result = findLeakSuspects(graph, { thresholdPercent: options.threshold, names: options.names });
      if (options.json) writeOut(renderJson(suspectsToJson(graph, result, file)));
      else writeOut(renderSuspectsText(graph, result, { file, style: stdoutStyle() }));
      return options.failOnSuspect && result.suspects.length > 0 ? EXIT_FINDING : 0;
    }));
}
