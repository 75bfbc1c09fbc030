// `leakscope profile FILE.heapprofile [FILE2 …]`: where live memory was allocated, from sampling heap
// profiles (node --heap-prof, DevTools' "Allocation sampling", HeapProfiler.stopSampling). Reading
// is in src/snapshot/heap-profile.ts, the analysis in src/analysis/heap-profile.ts, the output in
// src/report/profile.ts; this file only wires them. `run --sampling` and `run --track-allocations`
// take their Node flags from here.

import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { readHeapProfile } from '../../snapshot/heap-profile.ts';
import { computeProfileGrowth, mapProfileLocations, summarizeHeapProfile } from '../../analysis/heap-profile.ts';
import { buildProfileDotGraph, buildProfileJson, renderProfileText } from '../../report/profile.ts';
import { renderJson } from '../../report/json.ts';
import { renderDot } from '../../report/dot.ts';
import { renderSvg } from '../../report/svg.ts';
import { writeOutput } from '../../output/write-output.ts';
import { LeakscopeError } from '../../errors.ts';
import { checkOutputPaths, commandAction, parseNonNegativeInt, sanitizeLine, stdoutStyle, writeOut } from '../io.ts';
import { cliLocationMapper } from '../source-maps.ts';
import { TRACKING_FROM_START_FLAGS } from '../../capture/allocation-tracking.ts';

interface ProfileOptions {
  json?: boolean;
  dot?: string;
  svg?: string;
  limit: number;
}

export function registerProfileCommand(program: Command): void {
  program
    .command('profile')
    .description('where live memory was allocated, from sampling heap profiles (.heapprofile): by allocation site and by stack; two or more profiles of one process give growth by site')
    .argument('<profiles...>', '.heapprofile files (node --heap-prof, DevTools "Allocation sampling"), oldest first')
    .option('--json', 'print JSON: {"profiles":[…],"sites":[…],"stacks":[…],"growth":{…}|null}')
    .option('--dot <file>', 'write the heaviest stacks of the last profile as a Graphviz DOT call tree (--limit of them, at most 100)')
    .option('--svg <file>', 'write the heaviest stacks of the last profile as an SVG picture (rendered in-process)')
    .option('-n, --limit <n>', 'sites and stacks shown (and stacks drawn); 0 shows all', parseNonNegativeInt, 10)
    .addHelpText('after', `
Examples:
  $ node --heap-prof app.js && leakscope profile Heap.*.heapprofile
  $ leakscope profile early.heapprofile late.heapprofile     # growth by allocation site
  $ leakscope profile app.heapprofile --svg stacks.svg --limit 5`)
    .action(commandAction(async (files: string[], options: ProfileOptions) => {
      if (options.dot !== undefined && options.svg !== undefined) throw new LeakscopeError('choose one of --dot and --svg');
      checkOutputPaths([['--dot', options.dot], ['--svg', options.svg]], files, 'the report');
      // Compiled scripts' frames at their original place, as snapshots' locations are (--source-maps DIR, or the scripts' own maps).
      const profiles = files.map((file) => mapProfileLocations(readHeapProfile(file), cliLocationMapper()));
      const last = profiles[profiles.length - 1];
      const summary = summarizeHeapProfile(last);
      const growth = profiles.length > 1 ? computeProfileGrowth(profiles) : null;
      const input = { profiles, summary, growth, limit: options.limit };
      if (options.json) writeOut(renderJson(buildProfileJson(input)));
      else writeOut(renderProfileText(input, { limit: options.limit, baseDir: process.cwd(), style: stdoutStyle() }));
      if (options.dot !== undefined || options.svg !== undefined) {
        const dot = renderDot(buildProfileDotGraph(last, summary, options.limit, process.cwd()));
        if (options.dot !== undefined) await writeOutput(options.dot, dot);
        else await writeOutput(options.svg!, await renderSvg(dot));
      }
      return 0;
    }));
}

/** Mean bytes between samples for `run --sampling`: Node's default (512 KiB) gives a scenario a dozen samples; 32 KiB a few hundred, at a cost within noise. */
const RUN_SAMPLING_INTERVAL = 32 * 1024;

/** What `run --track-allocations` and `run --sampling` add to the scenario's process, and the profile it will write. */
export interface AllocationRecording {
  nodeFlags: string[];
  /** The .heapprofile the scenario's process writes at exit (`--sampling`); undefined otherwise. */
  profileFile: string | undefined;
}

export function planAllocationRecording(options: { trackAllocations?: boolean; sampling?: boolean }, profileDir: string): AllocationRecording {
  const profileFile = options.sampling ? path.join(profileDir, `scenario-${new Date().toISOString().replace(/[:.]/g, '-')}.heapprofile`) : undefined;
  return {
    nodeFlags: [
      ...(options.trackAllocations ? TRACKING_FROM_START_FLAGS : []),
      ...(profileFile === undefined ? [] : ['--heap-prof', `--heap-prof-dir=${path.dirname(profileFile)}`, `--heap-prof-name=${path.basename(profileFile)}`, `--heap-prof-interval=${RUN_SAMPLING_INTERVAL}`]),
    ],
    profileFile,
  };
}

/** After the run: where the profile is, or why there is none (Node writes it only when the process exits by itself). */
export function reportAllocationRecording(recording: AllocationRecording): void {
  const file = recording.profileFile;
  if (file === undefined) return;
  if (fs.existsSync(file)) process.stderr.write(`leakscope: sampling heap profile of the scenario written; read it with: leakscope profile ${sanitizeLine(file)}\n`);
  else process.stderr.write(`leakscope: warning: the scenario's process wrote no sampling heap profile (Node writes it at a normal exit): ${sanitizeLine(file)}\n`);
}
