// The preload's report process (series-report.ts): reads the series named in argv[2] (JSON
// {files, paths}), writes report.md and report.json, prints the result as JSON on stdout. A failure
// is one line on stderr and exit code 2.

import { writeSeriesReport } from './series-report.ts';

const { files, paths } = JSON.parse(process.argv[2] ?? '{}');
try {
  process.stdout.write(JSON.stringify(await writeSeriesReport(files, paths)));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 2;
}
