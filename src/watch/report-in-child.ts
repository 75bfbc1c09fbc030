// The preload's way to the series report: a separate Node process (series-report-child.ts) reads
// the snapshots, so the watched application, short of memory already, never loads them, nor the
// analysis modules (this file imports none of them).

import { execFile } from 'node:child_process';
import { LeakscopeError } from '../errors.ts';
import { nodeArgsFor, siblingModule } from '../workers/start.ts';
import type { EpisodePaths } from './capture.ts';
import type { SeriesReportResult } from './series-report.ts';

const CHILD_ENTRY = siblingModule(import.meta.url, 'series-report-child');

/** writeSeriesReport in a child Node process; its answer comes back as JSON on stdout. */
export function writeSeriesReportInChild(files: string[], paths: EpisodePaths): Promise<SeriesReportResult> {
  return new Promise((resolve, reject) => {
    // NODE_OPTIONS cleared: the application's own (its --import of this preload, a small heap limit) must not apply.
    execFile(process.execPath, [...nodeArgsFor(CHILD_ENTRY), JSON.stringify({ files, paths })], { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } }, (error, stdout, stderr) => {
      if (error) reject(new LeakscopeError(stderr.trim().split('\n').pop() || error.message));
      else resolve(JSON.parse(stdout) as SeriesReportResult);
    });
  });
}
