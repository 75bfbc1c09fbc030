// The verdict on an episode's series: `leakscope growth --fail-on-growth` on the snapshots, with the
// CLI's default gate and trust rules (ids must agree — one process, one session — or the analysis
// refuses), written beside them as report.md and report.json (the shapes of `growth --format
// markdown` and `growth --json`). The alarm event links to both.
//
// For the preload the analysis runs in a separate Node process (report-in-child.ts): reading
// snapshots takes memory of the order of the heap, which the watched process is short of.

// Through the library API: the analysis and gate modules are being reorganised; these names stay.
import { computeGrowthOfFiles, defaultGateSettings, evaluateGate } from '../index.ts';
import { findLeakChains } from '../analysis/leak-chains.ts';
import { growthToJson, nameLeakChains, renderVerdictLine, type GrowthReport } from '../report/growth-report.ts';
import { renderGrowthMarkdown } from '../report/markdown.ts';
import { renderJson } from '../report/json.ts';
import { REPORT_FILE_MODE, openOutputFile } from '../output/write-output.ts';
import fs from 'node:fs';
import type { EpisodePaths } from './capture.ts';

/** Growing classes in the report, as `growth`'s default --limit. */
const REPORT_LIMIT = 20;

export interface SeriesReportResult {
  /** `growth`'s one-line verdict: PASS, or FAIL with the classes that leak. */
  verdict: string;
  /** The classes that failed the gate, the leak first. */
  leakingClasses: string[];
}

export async function writeSeriesReport(files: string[], paths: EpisodePaths): Promise<SeriesReportResult> {
  const { result, last } = await computeGrowthOfFiles(files, { labels: files.map((f) => f.slice(paths.dir.length + 1)), retainedSizes: true });
  const gate = evaluateGate(result, defaultGateSettings());
  const retainers = nameLeakChains(last, findLeakChains(last, result, gate));
  const report: GrowthReport = { result, gate, failOnGrowth: true, limit: REPORT_LIMIT, minDelta: defaultGateSettings().minDelta, retainers, warnings: [] };
  writeReportFile(paths.reportMarkdown, renderGrowthMarkdown(report));
  writeReportFile(paths.reportJson, renderJson(growthToJson(report)));
  const names = new Map(result.classes.map((c) => [c.key, c.name]));
  return {
    verdict: renderVerdictLine(report),
    leakingClasses: gate.violations.filter((v) => v.rule !== 'threshold-bytes' && v.explainedBy === null).map((v) => names.get(v.key) ?? v.key),
  };
}

/** A report file, written atomically (temp file, rename). */
export function writeReportFile(file: string, text: string): void {
  const output = openOutputFile(file, REPORT_FILE_MODE);
  try {
    fs.writeSync(output.fd, text.endsWith('\n') ? text : `${text}\n`);
    output.commit();
  } catch (error) {
    output.discard();
    throw error;
  }
}
