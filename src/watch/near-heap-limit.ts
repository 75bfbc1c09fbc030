// `watch --near-heap-limit -- node app.js`: the last chance before an out-of-memory crash. Node's
// --heapsnapshot-near-heap-limit=N writes up to N snapshots (Heap.<date>.<time>.<pid>.<thread>.<seq>
// .heapsnapshot, into --diagnostic-dir) when the heap nears its limit, raising the limit for the
// time of the write. The process may still die mid-write — killed by the container, or by V8 when
// the raised limit is not enough — and leave a truncated file under the final name, which no reader
// of that folder could tell from a good one. So after the program ends, each of its files is read in
// full: a complete one is analysed (growth over two or more, leak suspects in one), a truncated one
// is named as such in the event.

import fs from 'node:fs';
import path from 'node:path';
import { quoteNodeOption } from '../capture/inspector-flags.ts';
import { loadSnapshot, SnapshotFormatError } from '../index.ts';
import type { HeapGraph } from '../index.ts';
import { findLeakSuspects } from '../analysis/suspects.ts';
import { renderSuspectsText, suspectsToJson } from '../report/suspects.ts';
import { renderJson } from '../report/json.ts';
import { formatBytes } from '../report/format.ts';
import { type EventWriter, type NearLimitFile } from './events.ts';
import { writeReportFile, writeSeriesReport } from './series-report.ts';

/** The node options that arrange it. */
export function nearLimitNodeOptions(dir: string, count: number): string[] {
  return [`--heapsnapshot-near-heap-limit=${count}`, `--diagnostic-dir=${quoteNodeOption(dir)}`];
}

/** The near-limit snapshots in `dir` now (listed before the program starts, to tell its own from earlier ones). */
export function nearLimitSnapshotNames(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((name) => name.startsWith('Heap.') && name.endsWith('.heapsnapshot')).sort();
}

/**
 * Finds the near-limit snapshots written into `dir` during the run (those not in `earlier`: any
 * process of the program's, since a wrapper such as `sh -c` or `npm start` makes the Node process a
 * grandchild whose pid leakscope never sees), checks them, analyses the complete ones, and reports
 * one event for `pid`. Resolves to the number of snapshots found: each says the heap neared its limit.
 */
export async function analyseNearLimitSnapshots(dir: string, pid: number, events: EventWriter, earlier: readonly string[]): Promise<number> {
  const names = nearLimitSnapshotNames(dir).filter((name) => !earlier.includes(name));
  const files: NearLimitFile[] = [];
  const complete: { file: string; graph: HeapGraph }[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const bytes = fs.statSync(file).size;
    try {
      const graph = await loadSnapshot(file);
      files.push({ file, bytes, isComplete: true, problem: null });
      complete.push({ file, graph });
    } catch (error) {
      if (!(error instanceof SnapshotFormatError) && !(error instanceof Error && /empty|truncated|unexpected end/i.test(error.message))) throw error;
      files.push({ file, bytes, isComplete: false, problem: bytes === 0 ? 'empty: the process died before writing' : `truncated: ${error.message}` });
    }
  }
  let report: { markdown: string; json: string; verdict: string } | null = null;
  const markdown = path.join(dir, `near-heap-limit-${pid}-report.md`);
  const json = path.join(dir, `near-heap-limit-${pid}-report.json`);
  if (complete.length >= 2) {
    const result = await writeSeriesReport(complete.map((c) => c.file), { dir, reportMarkdown: markdown, reportJson: json });
    report = { markdown, json, verdict: result.verdict };
  } else if (complete.length === 1) {
    const { file, graph } = complete[0];
    const suspects = findLeakSuspects(graph);
    writeReportFile(markdown, `# Leak suspects near the heap limit\n\n\`\`\`\n${renderSuspectsText(graph, suspects, { file })}\`\`\`\n`);
    writeReportFile(json, renderJson(suspectsToJson(graph, suspects, file)));
    const top = suspects.suspects[0];
    report = {
      markdown, json,
      verdict: top === undefined
        ? `no leak suspect: nothing holds ${suspects.thresholdPercent}% of the ${formatBytes(suspects.totalSize)} heap`
        : `${suspects.suspects.length} leak ${suspects.suspects.length === 1 ? 'suspect' : 'suspects'}; the largest, ${suspects.classes.names[suspects.classes.classOf[top.accumulation]]}, retains ${formatBytes(top.retainedSize)} of ${formatBytes(suspects.totalSize)}`,
    };
  }
  events.write({ event: 'near-heap-limit', time: new Date().toISOString(), pid, files, report });
  return files.length;
}
