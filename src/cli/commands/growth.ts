// `leakscope growth A B [C…]`: what grew between snapshots of one process, which new objects
// survived, what holds them, and (with --fail-on-growth) a CI gate: exit 1 when a class grew beyond
// its allowance. objgraph's show_growth + get_new_ids.
//
// Exports for other commands (`leakscope run` gates its own snapshots the same way):
//   addGrowthOptions(command)  registers the gate and output flags shared with `run`;
//   reportGrowth(files, opts)  loads the snapshots, analyses, writes the report, returns the exit code;
//   reportGrowthOfGraphs       the same for graphs in memory (computeGrowthOfGraphs + reportGrowthResult).

import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { computeGrowth, type GrowthResult } from '../../analysis/growth.ts';
import { computeGrowthOfFiles } from '../../workers/growth-files.ts';
import { computeChainParents } from '../../analysis/chain-parents.ts';
import { DEFAULT_MIN_DELTA, resolveGateNames, evaluateGate, parseThreshold, compileIgnore, type GateSettings } from '../../analysis/growth-gate.ts';
import { loadConfig, type LeakscopeConfig } from '../config.ts';
import { EXIT_FINDING, EXIT_OK, LeakscopeError } from '../../errors.ts';
import type { NameMode } from '../../snapshot/class-names.ts';
import type { HeapGraph } from '../../snapshot/heap-graph.ts';
import { findLeakChains } from '../../analysis/leak-chains.ts';
import { growthToJson, nameGrowthFindings, isGateFailed, renderGrowthText, renderVerdictLine, type GrowthReport } from '../../report/growth-report.ts';
import { renderGrowthMarkdown } from '../../report/markdown.ts';
import { renderGithubAnnotations } from '../../report/github.ts';
import { renderGrowthJunit } from '../../report/junit.ts';
import { renderJson } from '../../report/json.ts';
import { renderJsonChunks } from '../../report/json-stream.ts';
import { writeChunks } from '../write-chunks.ts';
import { STDOUT_PATH, writeOutput } from '../../output/write-output.ts';
import { PLAIN_STYLE } from '../../report/style.ts';
import { addClassOptions, checkOutputPaths, collect, commandAction, createProgress, parseNonNegativeInt, sanitizeLine, stdoutStyle, writeOut } from '../io.ts';
import { sanitizeForTerminal } from '../../report/sanitize.ts';
import { registerSourceMaps } from '../source-maps.ts';
import { computeGrownPackages } from '../../analysis/packages.ts';
import { selfSizesFor } from '../../analysis/histogram.ts';
import { createPackageResolver } from '../../sources/packages.ts';
import { grownPackagesToJson, renderGrownPackagesText } from '../../report/packages.ts';
import { readAllocationTraces } from '../../snapshot/allocation-traces.ts';
import { groupNewObjectsByAllocationSite } from '../../analysis/allocation-sites.ts';
import { newObjectsBySiteToJson, renderNewObjectsBySite } from '../../report/allocation-sites.ts';

export type GrowthFormat = 'text' | 'json' | 'markdown' | 'github' | 'junit';

/** Options as commander parses them; undefined means "not given" so the config file can fill it. */
export interface GrowthCommandOptions {
  json?: boolean;
  format?: GrowthFormat;
  limit?: number;
  output?: string;
  failOnGrowth?: boolean;
  threshold?: string[];
  thresholdBytes?: number;
  ignore?: string[];
  includeInternals?: boolean;
  allHolders?: boolean;
  minDelta?: number;
  names?: NameMode;
  rawSizes?: boolean;
  config?: string;
  countsOnly?: boolean;
  /** false with --no-retainers. */
  retainers?: boolean;
  by?: 'class' | 'package';
}

const DEFAULT_LIMIT = 20;

/**
 * Registers the gate and report flags on `command` (growth, and `run` which gates its own
 * snapshots). No defaults are set here: an absent flag falls back to the config file, then to the
 * built-in default, in resolveGrowthSettings.
 */
export function addGrowthOptions(command: Command): Command {
  return command
    .option('--fail-on-growth', 'exit 1 when a class grows beyond its allowance (the CI gate)')
    .option('--no-fail-on-growth', 'report only, even if the config file says failOnGrowth')
    .option('--threshold <NAME=N>', "allow class NAME to grow by up to N objects (repeatable; '*=N' for every class; NAME=0 fails on any growth)", collect)
    .option('--threshold-bytes <n>', 'allow the total self size of the gated classes to grow by up to N bytes', parseNonNegativeInt)
    .option('--ignore <NAME|/regex/>', 'never gate this class (exact name, or /regex/ on the name; repeatable)', collect)
    .option('--include-internals', 'gate V8 internals too: (compiled code), (system), (object shape), (array)')
    .option('--all-holders', 'gate new objects whatever holds them: also those held only by the stack of the code that wrote the snapshot, by V8 code metadata or weakly')
    .option('--min-delta <n>', `a class fails only if it grew by at least N objects (default ${DEFAULT_MIN_DELTA}; explicit thresholds override)`, parseNonNegativeInt)
    .addOption(new Option('--format <format>', 'report format (default text); github: annotations, and the Markdown report appended to $GITHUB_STEP_SUMMARY; junit: JUnit XML, one test case per gated class').choices(['text', 'json', 'markdown', 'github', 'junit']))
    .option('--json', 'same as --format json')
    .option('-n, --limit <n>', `growing classes to show; 0 shows all (default ${DEFAULT_LIMIT})`, parseNonNegativeInt)
    .option('-o, --output <file>', 'write the report to FILE (atomically; - for stdout); stdout then gets the one-line verdict')
    .option('--counts-only', 'compare class counts only, without object ids (allowed across processes)')
    .option('--no-retainers', 'skip retained sizes and retainer chains (faster on big snapshots)')
    .addOption(new Option('--by <group>', 'package: also what each npm package or workspace folder grew by (its code\'s new objects the program holds)').choices(['class', 'package']))
    .option('--config <file>', 'settings file (default: leakscope.config.json or package.json "leakscope", found from the working directory)');
}

export interface ResolvedGrowthSettings {
  gate: GateSettings;
  failOnGrowth: boolean;
  format: GrowthFormat;
  limit: number;
  names: NameMode;
  rawSizes: boolean;
  countsOnly: boolean;
  /** Retained sizes and retainer chains: on unless --no-retainers, never with --counts-only. */
  retainers: boolean;
  /** --by package: the new objects by owning package too. */
  byPackage: boolean;
  output?: string;
  /** Where the config came from, if anywhere. */
  configFile?: string;
  warnings: string[];
}

/** Flags over config over defaults; validates everything before any snapshot is read. */
export function resolveGrowthSettings(options: GrowthCommandOptions, cwd = process.cwd()): ResolvedGrowthSettings {
  const loaded = loadConfig({ file: options.config, cwd });
  const config: LeakscopeConfig = loaded?.config ?? {};
  const thresholds = new Map<string, number>(Object.entries(config.thresholds ?? {}));
  for (const text of options.threshold ?? []) {
    try {
      const [name, n] = parseThreshold(text);
      thresholds.set(name, n);
    } catch (error) {
      throw new LeakscopeError(`--threshold: ${(error as Error).message}`);
    }
  }
  const ignore = [...(config.ignore ?? []), ...(options.ignore ?? [])];
  try {
    compileIgnore(ignore);
  } catch (error) {
    throw new LeakscopeError(`--ignore: bad regular expression (${(error as Error).message})`);
  }
  const countsOnly = options.countsOnly ?? config.countsOnly ?? false;
  const format: GrowthFormat = options.json ? 'json' : options.format ?? config.format ?? 'text';
  if (options.json && options.format !== undefined && options.format !== 'json') {
    throw new LeakscopeError(`--json contradicts --format ${options.format}`);
  }
  if (options.by === 'package' && countsOnly) throw new LeakscopeError('--by package needs object ids, which --counts-only leaves out');
  // Only the text report and the JSON carry the packages: any other format would drop them without a word.
  if (options.by === 'package' && format !== 'text' && format !== 'json') throw new LeakscopeError(`--by package is shown in the text report and --json, not with --format ${format}`);
  return {
    gate: {
      thresholds,
      thresholdBytes: options.thresholdBytes ?? config.thresholdBytes,
      ignore,
      includeInternals: options.includeInternals ?? config.includeInternals ?? false,
      allHolders: options.allHolders ?? config.allHolders ?? false,
      minDelta: options.minDelta ?? config.minDelta ?? DEFAULT_MIN_DELTA,
    },
    failOnGrowth: options.failOnGrowth ?? config.failOnGrowth ?? false,
    format,
    limit: options.limit ?? config.limit ?? DEFAULT_LIMIT,
    names: options.names ?? config.names ?? 'devtools',
    rawSizes: options.rawSizes ?? false,
    countsOnly,
    retainers: (options.retainers ?? true) && !countsOnly,
    byPackage: options.by === 'package',
    // `-` is standard output, where the report goes anyway.
    output: options.output === STDOUT_PATH ? undefined : options.output,
    configFile: loaded?.file,
    warnings: loaded?.warnings ?? [],
  };
}

/**
 * The whole `growth` command as a function: reads the snapshots (oldest first), analyses, writes
 * the report to stdout or --output, and returns the exit code (0 pass, 1 gate failed). Throws
 * LeakscopeError (exit 2) for bad input, including snapshots of different processes.
 */
export async function reportGrowth(files: string[], options: GrowthCommandOptions = {}): Promise<number> {
  if (files.length < 2) throw new LeakscopeError('growth needs at least two snapshots, oldest first');
  const settings = resolveGrowthSettings(options);
  checkOutputPaths(outputFlags(settings), [...files, settings.configFile], null);
  for (const warning of settings.warnings) process.stderr.write(`leakscope: warning: ${sanitizeLine(warning)}\n`);
  // The earlier snapshots are read and summarised in a worker while this thread reads the last.
  const progress = createProgress();
  let computed;
  try {
    computed = await computeGrowthOfFiles(files, {
      names: settings.names, rawSizes: settings.rawSizes, countsOnly: settings.countsOnly, labels: files, retainedSizes: settings.retainers,
      onProgress: (file, read, total) => (read < total ? progress.update(read, total, `reading ${sanitizeForTerminal(file, 60)}`) : progress.done()),
      // What the retainer chains need, computed while the worker finishes.
      prepareLast: settings.retainers ? (graph) => { computeChainParents(graph); } : undefined,
    });
  } finally {
    progress.done();
  }
  return reportGrowthResult(computed.result, computed.last, settings);
}

/** The same, for snapshots already in memory (`run` holds the graphs it just captured). */
export async function reportGrowthOfGraphs(graphs: HeapGraph[], labels: string[], settings: ResolvedGrowthSettings): Promise<number> {
  return reportGrowthResult(computeGrowthOfGraphs(graphs, labels, settings), graphs[graphs.length - 1], settings);
}

/** The growth analysis of graphs in memory, with the command's settings (`demo` reuses the result). */
export function computeGrowthOfGraphs(graphs: HeapGraph[], labels: string[], settings: ResolvedGrowthSettings): GrowthResult {
  return computeGrowth(graphs, {
    names: settings.names, rawSizes: settings.rawSizes, countsOnly: settings.countsOnly, labels, retainedSizes: settings.retainers,
  });
}

/** Gate, chains and report of a growth result; writes it as the settings say and returns the exit code. */
export async function reportGrowthResult(result: GrowthResult, last: HeapGraph, settings: ResolvedGrowthSettings): Promise<number> {
  // The last graph is read by the growth worker's caller, not loadForCli: its printed locations go through the source maps here.
  registerSourceMaps(last);
  const { settings: gateSettings, warnings } = resolveGateNames(result, settings.gate);
  const gate = evaluateGate(result, gateSettings);
  // The text report on stdout carries its warnings; anywhere else they also go to stderr, for the log.
  if (settings.format !== 'text' || settings.output) for (const warning of warnings) process.stderr.write(`leakscope: warning: ${sanitizeLine(warning)}\n`);
  const findings = nameGrowthFindings(last, result, settings.retainers ? findLeakChains(last, result, gate) : new Map());
  // Where the new objects were allocated, when the last snapshot carries allocation stacks (null otherwise: output unchanged).
  await readAllocationTraces(last.source.file, last);
  const allocationSites = groupNewObjectsByAllocationSite(last, result.classes, settings.limit, settings.rawSizes);
  const report: GrowthReport = {
    result, gate, failOnGrowth: settings.failOnGrowth, limit: settings.limit, minDelta: settings.gate.minDelta, warnings, ...findings,
    ...(allocationSites === null ? {} : { allocationSites }), baseDir: process.cwd(),
  };

  if (settings.configFile) process.stderr.write(`leakscope: settings from ${sanitizeLine(settings.configFile)} (flags win)\n`);
  if (settings.format === 'github') appendStepSummary(renderGrowthMarkdown(report));
  const packages = settings.byPackage ? computeGrownPackages(last, createPackageResolver(), result.classes.map((c) => c.newOrdinals), selfSizesFor(last, settings.rawSizes)) : null;
  const json = {
    ...growthToJson(report) as object, config: settings.configFile ?? null, ...(allocationSites === null ? {} : { allocationSites: newObjectsBySiteToJson(allocationSites) }),
    ...(packages === null ? {} : { packages: grownPackagesToJson(packages) }),
  };
  // JSON to stdout in chunks: with --limit 0 and many classes it can be big (no one giant string).
  if (settings.format === 'json' && !settings.output) {
    await writeChunks(renderJsonChunks(json));
    return isGateFailed(report) ? EXIT_FINDING : EXIT_OK;
  }
  const style = settings.output ? PLAIN_STYLE : stdoutStyle();
  const rendered = settings.format === 'json' ? renderJson(json)
    : settings.format === 'markdown' ? renderGrowthMarkdown(report)
      : settings.format === 'github' ? renderGithubAnnotations(report)
        : settings.format === 'junit' ? renderGrowthJunit(report)
          : renderGrowthText(report, style)
            + (allocationSites === null ? '' : `\n\n${renderNewObjectsBySite(allocationSites, { baseDir: report.baseDir, style })}`)
            + (packages === null ? '' : `\n\n${renderGrownPackagesText(packages, { limit: settings.limit, style })}`);
  if (settings.output) {
    await writeOutput(settings.output, rendered.endsWith('\n') ? rendered : `${rendered}\n`);
    writeOut(renderVerdictLine(report));
  } else {
    writeOut(rendered);
  }
  return isGateFailed(report) ? EXIT_FINDING : EXIT_OK;
}

/**
 * Every file the report will write, for checkOutputPaths: --output, and with --format github the
 * step summary it appends to (never an input, never a read-only file, whatever the variable says).
 */
export function outputFlags(settings: ResolvedGrowthSettings): [string, string | undefined][] {
  const summary = settings.format === 'github' ? process.env.GITHUB_STEP_SUMMARY || undefined : undefined;
  return [['--output', settings.output], ['$GITHUB_STEP_SUMMARY', summary]];
}

/**
 * GitHub's convention: each step appends to the file $GITHUB_STEP_SUMMARY names, so the summaries of
 * earlier steps stay. Outside Actions (variable unset) there is nothing to do.
 */
function appendStepSummary(markdown: string): void {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  try {
    fs.appendFileSync(file, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  } catch (error) {
    throw new LeakscopeError(`cannot append to $GITHUB_STEP_SUMMARY (${file}): ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

export function registerGrowthCommand(program: Command): void {
  const command = program
    .command('growth')
    .description('what grew between snapshots of one process, which new objects survived, and what holds them; --fail-on-growth gates CI (objgraph show_growth)')
    .argument('<snapshots...>', 'two or more .heapsnapshot files of ONE process, oldest first');
  addGrowthOptions(addClassOptions(command))
    .addHelpText('after', `
A class fails the gate when its count grew at every step and at least --min-delta of its new
objects are held by the program. New objects held only by the stack of the code that wrote the
snapshot, by V8's code metadata (lazily compiled functions) or weakly are reported in "Held by",
not gated (--all-holders gates them); V8 internals are not gated unless --include-internals.
Built-in classes such as (string) that a failing named class holds are listed with it. Names in
--threshold and --ignore that match no class get a warning with the closest names.
Exit codes: 0 no violation, 1 violations with --fail-on-growth, 2 bad input (including snapshots
of different processes).

Examples:
  $ leakscope growth before.heapsnapshot after.heapsnapshot
  $ leakscope growth warm.heapsnapshot s2.heapsnapshot s3.heapsnapshot --fail-on-growth
  $ leakscope growth a.heapsnapshot b.heapsnapshot --fail-on-growth --threshold RequestContext=0 --ignore '/^Detached /'
  $ leakscope growth a.heapsnapshot b.heapsnapshot --fail-on-growth --format github      # in GitHub Actions
  $ leakscope growth a.heapsnapshot b.heapsnapshot --fail-on-growth --format junit --output leaks.xml
  $ leakscope growth a.heapsnapshot b.heapsnapshot --format markdown >> "$GITHUB_STEP_SUMMARY"
  $ leakscope growth a.heapsnapshot b.heapsnapshot --json --limit 0
  $ leakscope growth a.heapsnapshot b.heapsnapshot c.heapsnapshot --by package   # which npm package grew`)
    .action(commandAction(async (files: string[], options: GrowthCommandOptions, cmd: Command) => {
      // --names has a commander default; only an explicit flag should beat the config file.
      if (cmd.getOptionValueSource('names') === 'default') delete options.names;
      return reportGrowth(files, options);
    }));
}
