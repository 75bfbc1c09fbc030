// `npm run bench:noise`: how often the default gate is wrong on fresh runs of realistic programs.
//
//   npm run bench:noise                  20 fresh runs of each twin (about 10 minutes)
//   npm run bench:noise -- --runs 5      fewer runs
//   npm run bench:noise -- --json FILE   where the record goes (default bench/results/noise.json)
//
// Twins, each regenerated on every run, never a fixture captured once:
//   - the noise-suite Express server (fixtures/programs/noise-server.mjs) under keep-alive load, three
//     snapshots written from inside a request handler 500 requests apart, through
//     `leakscope growth A B C --fail-on-growth`; its leaky twin keeps one AuditEntry per order request;
//   - `leakscope run` of the bundled examples/clean-scenario.mjs and examples/leaky-scenario.mjs.
// A false alarm is a failing verdict on a healthy twin; a miss is a leaky twin that passes, or fails
// without naming the leaking class first with its exact delta. The healthy server's snapshots also go
// through the gate with --all-holders, which counts new objects whatever holds them (the rule before
// holders.ts), to show what the holder classification saves.
// Then the seeded fuzz tests with their full counts (LEAKSCOPE_FULL_COUNTS=1; npm test runs the first
// cases of each): 300 truncations and byte flips, 120 replaced numbers, 24 corrupt "edges" sections,
// 2,000 random graphs for the dominator tree's spare memory.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runNoiseServer } from '../fixtures/programs/lib/noise-suite.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin/leakscope.js');
const RESULTS = path.join(ROOT, 'bench/results/noise.json');

interface Verdict {
  exit: number | null;
  violations: { name: string; delta: number; explainedBy: { name: string } | null }[];
}

function log(line: string): void {
  process.stderr.write(`bench:noise: ${line}\n`);
}

/** The test files whose case counts test/helpers/counts.ts raises under LEAKSCOPE_FULL_COUNTS=1. */
const FULL_COUNT_TESTS = ['test/snapshot/parser.test.ts', 'test/snapshot/parallel-edges.test.ts', 'test/analysis/dominators-spare.test.ts'];

/** Runs the fuzz tests with their full counts; true when they pass. */
function runFullCountTests(): boolean {
  const vitest = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
  const r = spawnSync(process.execPath, [vitest, 'run', ...FULL_COUNT_TESTS], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, LEAKSCOPE_FULL_COUNTS: '1' } });
  return r.status === 0;
}

function leakscope(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** growth or run with the gate on and JSON to a file; the exit code and the violations, leak first. */
function verdictOf(args: string[], dir: string): Verdict {
  const out = path.join(dir, `verdict-${Math.random().toString(36).slice(2)}.json`);
  const r = leakscope([...args, '--json', '--output', out]);
  if (r.status === 2 || !fs.existsSync(out)) throw new Error(`leakscope ${args.join(' ')} failed: ${r.stderr.trim()}`);
  const json = JSON.parse(fs.readFileSync(out, 'utf8')) as { violations: Verdict['violations'] };
  return { exit: r.status, violations: json.violations };
}

const describe = (v: Verdict) => (v.violations.length === 0 ? 'pass' : v.violations.map((x) => `${x.name} +${x.delta}${x.explainedBy ? ` (held by ${x.explainedBy.name})` : ''}`).join(', '));

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' }, json: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(`${fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.replace(/^\/\/ ?/, '')).join('\n')}\n`);
    return 0;
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-noise-'));
  const record = {
    format: 'leakscope-noise/1',
    startedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version },
    runs,
    server: { healthy: [] as { verdict: string; allHolders: string }[], leaky: [] as { verdict: string; expected: number; isExact: boolean }[] },
    scenarios: { clean: [] as string[], leaky: [] as { verdict: string; isExact: boolean }[] },
  };
  try {
    for (let k = 1; k <= runs; k++) {
      const dir = fs.mkdtempSync(path.join(work, 'run-'));
      const healthy = await runNoiseServer({ leaky: false, dir });
      const verdict = verdictOf(['growth', ...healthy.files, '--fail-on-growth', '--no-retainers'], dir);
      const allHolders = verdictOf(['growth', ...healthy.files, '--fail-on-growth', '--no-retainers', '--all-holders'], dir);
      record.server.healthy.push({ verdict: describe(verdict), allHolders: describe(allHolders) });
      const leaky = await runNoiseServer({ leaky: true, dir });
      const expected = leaky.leakedPerStep.reduce((a, b) => a + b, 0);
      const leakVerdict = verdictOf(['growth', ...leaky.files, '--fail-on-growth', '--no-retainers'], dir);
      const first = leakVerdict.violations[0];
      const isExact = leakVerdict.exit === 1 && first?.name === 'AuditEntry' && first.delta === expected
        && leakVerdict.violations.slice(1).every((v) => v.explainedBy?.name === 'AuditEntry');
      record.server.leaky.push({ verdict: describe(leakVerdict), expected, isExact });
      log(`server ${k}/${runs}: healthy ${describe(verdict)} (--all-holders: ${describe(allHolders)}); leaky ${isExact ? 'flagged exactly' : 'MISSED'}: ${describe(leakVerdict)}`);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    for (let k = 1; k <= runs; k++) {
      const clean = verdictOf(['run', 'examples/clean-scenario.mjs'], work);
      record.scenarios.clean.push(describe(clean));
      const leaky = verdictOf(['run', 'examples/leaky-scenario.mjs'], work);
      const isExact = leaky.exit === 1 && leaky.violations[0]?.name === 'RequestLog' && leaky.violations[0].delta === 100;
      record.scenarios.leaky.push({ verdict: describe(leaky), isExact });
      log(`scenarios ${k}/${runs}: clean ${describe(clean)}; leaky ${isExact ? 'flagged exactly' : 'MISSED'}: ${describe(leaky)}`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  log(`fuzz tests with their full counts: ${FULL_COUNT_TESTS.join(' ')}`);
  const isFuzzPassed = runFullCountTests();
  const falseAlarms = record.server.healthy.filter((r) => r.verdict !== 'pass').length;
  const oldFalseAlarms = record.server.healthy.filter((r) => r.allHolders !== 'pass').length;
  const flagged = record.server.leaky.filter((r) => r.isExact).length;
  const scenarioAlarms = record.scenarios.clean.filter((v) => v !== 'pass').length;
  const scenarioFlagged = record.scenarios.leaky.filter((r) => r.isExact).length;
  const lines = [
    `leakscope noise suite — ${runs} fresh runs of each twin, default settings, ${os.cpus().length} CPUs, Node ${process.version}`,
    `healthy Express server, growth A B C --fail-on-growth:   ${falseAlarms}/${runs} false alarms   (gating every holder, --all-holders: ${oldFalseAlarms}/${runs})`,
    `leaky twin (AuditEntry per order request):               ${flagged}/${runs} flagged with the exact delta, AuditEntry first`,
    `run examples/clean-scenario.mjs:                         ${scenarioAlarms}/${runs} false alarms`,
    `run examples/leaky-scenario.mjs:                         ${scenarioFlagged}/${runs} flagged with RequestLog +100 first`,
    `fuzz tests, full counts:                                  ${isFuzzPassed ? 'passed' : 'FAILED'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const file = values.json ?? RESULTS;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ ...record, finishedAt: new Date().toISOString(), summary: { falseAlarms, oldFalseAlarms, flagged, scenarioAlarms, scenarioFlagged, isFuzzPassed } }, null, 2)}\n`);
  log(`wrote ${path.relative(process.cwd(), file)}`);
  return falseAlarms === 0 && flagged === runs && scenarioAlarms === 0 && scenarioFlagged === runs && isFuzzPassed ? 0 : 1;
}

process.exitCode = await main();
