// `npm run bench:startup`: how long `leakscope --version` and `leakscope --help` take from a cold
// process, against bare `node -e 0` on the same machine (median of N runs; default 21). The package
// is compiled JavaScript whose commands load lazily, so --version loads none of the analyses.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin/leakscope.js');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timeMs(args: string[]): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '21' }, json: { type: 'string' } } });
const runs = Number(values.runs);
if (!fs.existsSync(path.join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
const cases: [string, string[]][] = [['node -e 0 (baseline)', ['-e', '0']], ['leakscope --version', [BIN, '--version']], ['leakscope --help', [BIN, '--help']]];
const samples = new Map<string, number[]>(cases.map(([label]) => [label, []]));
// Interleaved, so a busy moment of the machine spreads over every case.
for (let k = 0; k < runs; k++) for (const [label, args] of cases) samples.get(label)!.push(timeMs(args));
const lines = [`leakscope start-up — median of ${runs} cold processes, ${os.cpus().length} CPUs, Node ${process.version}, load ${os.loadavg()[0].toFixed(2)}`];
for (const [label] of cases) lines.push(`${label.padEnd(24)} ${median(samples.get(label)!).toFixed(0).padStart(5)} ms`);
process.stdout.write(`${lines.join('\n')}\n`);
const file = values.json ?? path.join(ROOT, 'bench/results/startup.json');
fs.writeFileSync(file, `${JSON.stringify({ format: 'leakscope-startup/1', at: new Date().toISOString(), node: process.version, loadAverage: os.loadavg(), runs, medianMs: Object.fromEntries([...samples].map(([k, v]) => [k, median(v)])), samples: Object.fromEntries(samples) }, null, 2)}\n`);
