// `npm run bench`: leakscope against Chrome DevTools' own heap snapshot code (heap-snapshot-toolkit)
// and @memlab/core, on the same snapshots in the same run. See bench/README.md.
//
//   npm run bench                         medium snapshots (~60–100 MB), 3 runs each, a few minutes
//   npm run bench -- --size big           ~400 MB snapshots, 1 run
//   npm run bench -- --size huge          ~1 GB snapshots (needs ~8 GB of RAM and ~30 minutes)
//   npm run bench -- A.heapsnapshot [B.heapsnapshot …]   your own files (growth on the first two)
//
// Options: --runs N, --only top,command,full,growth,cycles,lists,suspects, --tools leakscope,devtools,memlab,
// --snapshots synthetic,realistic,list, --timeout SECONDS (per measurement), --peer-heap MB,
// --cache-dir DIR, --fresh (remake cached snapshots), --json FILE (default: bench/results/latest.json and
// latest-<size>.json).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runChild, type ToolName } from './lib/child.ts';
import { makePlan, snapshotByLabel, summarize, TASKS, type Capabilities, type Summary, type TaskName } from './lib/measure.ts';
import { evaluateTargets, formatSeconds, renderProblems, renderSnapshotTable, renderTargets, TOOL_LABELS } from './lib/report.ts';
import { defaultCacheDir, givenSnapshots, prepareSnapshots, SIZES, type SizeName, type SnapshotSet } from './lib/snapshots.ts';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const TOOLS: ToolName[] = ['leakscope', 'devtools', 'memlab'];

/** Per-measurement time limits: DevTools needs ~45 s and memlab longer on 1 GB; generous margins. */
const DEFAULT_TIMEOUT_S: Record<SizeName, number> = { medium: 300, big: 900, huge: 2400 };
const DEFAULT_RUNS: Record<SizeName, number> = { medium: 3, big: 1, huge: 1 };

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

function parseList<T extends string>(text: string | undefined, allowed: readonly T[], what: string): Set<T> {
  if (text === undefined) return new Set(allowed);
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`unknown ${what} "${item}" (one of ${allowed.join(', ')})`);
  return new Set(items as T[]);
}

function parseOptions(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      size: { type: 'string', default: 'medium' },
      runs: { type: 'string' },
      only: { type: 'string' },
      tools: { type: 'string' },
      snapshots: { type: 'string' },
      timeout: { type: 'string' },
      'peer-heap': { type: 'string', default: '16000' },
      'cache-dir': { type: 'string' },
      fresh: { type: 'boolean', default: false },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (!(values.size! in SIZES)) throw new Error(`--size must be one of ${Object.keys(SIZES).join(', ')}`);
  const size = values.size as SizeName;
  const runs = Number(values.runs ?? DEFAULT_RUNS[size]);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  const timeoutS = Number(values.timeout ?? DEFAULT_TIMEOUT_S[size]);
  const peerHeapMb = Number(values['peer-heap']);
  if (!(timeoutS > 0) || !(peerHeapMb > 0)) throw new Error('--timeout and --peer-heap must be positive numbers');
  return {
    help: values.help!,
    size,
    runs,
    timeoutMs: timeoutS * 1000,
    peerHeapMb,
    tasks: parseList<TaskName>(values.only, TASKS, 'task'),
    tools: parseList<ToolName>(values.tools, TOOLS, 'tool'),
    which: parseList(values.snapshots, ['synthetic', 'realistic', 'list'] as const, 'snapshot set'),
    cacheDir: values['cache-dir'] ?? defaultCacheDir(),
    fresh: values.fresh!,
    /** Explicit --json path; by default latest.json plus latest-<size>.json (so a big run keeps the medium one). */
    json: values.json,
    files: positionals,
  };
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 2;
  }
  if (options.help) {
    const header = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//'));
    process.stdout.write(`${header.map((l) => l.replace(/^\/\/ ?/, '')).join('\n')}\n`);
    return 0;
  }
  const startedAt = new Date();
  const loadStart = os.loadavg();
  // leakscope is measured as its users run it: the compiled JavaScript, built here from the working
  // tree (incremental: a second or two when nothing changed).
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: fileURLToPath(new URL('../', import.meta.url)), stdio: ['ignore', 'inherit', 'inherit'] });
  if (build.status !== 0) {
    log(`cannot build dist/ (tsc -p tsconfig.build.json exited with ${build.status ?? build.signal})`);
    return 2;
  }
  // Leakscope's modules land while the bench is written: ask the working tree what exists.
  const probe = await runChild('leakscope', 'probe', [], { timeoutMs: 60_000, peerHeapMb: options.peerHeapMb });
  if (!probe.ok) {
    log(`cannot load leakscope: ${probe.error}`);
    return 2;
  }
  const capabilities = probe.facts as unknown as Capabilities;

  let set: SnapshotSet;
  try {
    set = options.files.length > 0
      ? await givenSnapshots(options.files, options.cacheDir, log)
      : prepareSnapshots({ size: options.size, cacheDir: options.cacheDir, fresh: options.fresh, which: options.which, log });
  } catch (error) {
    log((error as Error).message);
    return 2;
  }

  const plan = makePlan(set, { tasks: options.tasks, tools: options.tools, capabilities });
  const jobs = [...plan.jobs.values()];
  // Runs are interleaved (every job once, then again) so that a slow moment of the machine — other
  // work on a shared 2-core box — spreads over tools instead of hitting one tool's every run.
  for (let run = 1; run <= options.runs; run++) {
    for (const [k, job] of jobs.entries()) {
      const where = job.args.filter((a) => !a.startsWith('--')).map((a) => (fs.existsSync(a) ? path.basename(a) : a)).join(' ');
      readIntoPageCache(job.args.filter((a) => !a.startsWith('--') && fs.existsSync(a)));
      const result = await runChild(job.tool, job.childTask, job.args, { timeoutMs: options.timeoutMs, peerHeapMb: options.peerHeapMb });
      job.runs.push(result);
      const outcome = result.ok ? `${formatSeconds(result.ms!)}, ${(result.peakRssBytes! / 1e6).toFixed(0)} MB` : result.skipped ? `skipped: ${result.skipped}` : `failed: ${result.error}`;
      log(`run ${run}/${options.runs} [${k + 1}/${jobs.length}] ${TOOL_LABELS[job.tool]} ${job.childTask} ${where}: ${outcome}`);
      // A skipped task stays skipped; do not spend further runs on it.
      if (result.skipped) break;
    }
  }

  const summaries = new Map<string, Summary>(jobs.map((j) => [j.id, summarize(j)]));
  const snapshots = snapshotByLabel(set);
  const out: string[] = [];
  out.push(`leakscope benchmark — ${options.files.length > 0 ? 'given files' : `size ${options.size}`}, median of ${options.runs} run(s), ${os.cpus().length} CPUs, Node ${process.version}`);
  const groups = [...new Set(plan.rows.map((r) => r.snapshot))];
  for (const label of groups) {
    const snap = snapshots.get(label);
    const facts = plan.rows.filter((r) => r.snapshot === label && r.tool === 'leakscope').map((r) => summaries.get(r.jobId)?.facts).find((f) => f?.nodeCount);
    const title = snap
      ? `\n${label}: ${path.basename(snap.file)}, ${(snap.bytes / 1e6).toFixed(0)} MB${facts ? `, ${Number(facts.nodeCount).toLocaleString('en-US')} nodes, ${Number(facts.edgeCount ?? 0).toLocaleString('en-US')} edges` : ''}${snap.origin ? ` (${snap.origin})` : ''}`
      : `\n${label}`;
    out.push(renderSnapshotTable(title, plan.rows.filter((r) => r.snapshot === label), summaries));
  }
  const problems = renderProblems(plan.rows, summaries);
  if (problems) out.push('', problems);
  const targets = evaluateTargets(plan, summaries, snapshots);
  out.push('', renderTargets(targets));
  const loadEnd = os.loadavg();
  out.push('', `Load average at start ${loadStart[0].toFixed(2)}, at end ${loadEnd[0].toFixed(2)} (above ~0.5 at the start means other work shared the machine).`);
  process.stdout.write(`${out.join('\n')}\n`);

  const record = {
    format: 'leakscope-bench/1',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', totalMemoryBytes: os.totalmem(), node: process.version, platform: `${os.platform()} ${os.release()}`, loadAverageStart: loadStart, loadAverageEnd: loadEnd },
    options: { size: options.files.length > 0 ? null : options.size, runs: options.runs, timeoutMs: options.timeoutMs, peerHeapMb: options.peerHeapMb, tasks: [...options.tasks], tools: [...options.tools] },
    capabilities,
    snapshots: [...snapshots.values()].map((s) => ({ label: s.label, file: s.file, bytes: s.bytes, origin: s.origin ?? null })),
    rows: plan.rows.map((r) => ({ snapshot: r.snapshot, task: r.task, tool: r.tool, what: r.what, job: r.jobId, baselineJob: r.baselineJobId ?? null })),
    jobs: jobs.map((j) => ({ id: j.id, tool: j.tool, task: j.childTask, args: j.args, summary: summaries.get(j.id), runs: j.runs })),
    targets,
  };
  const targetsFiles = options.json
    ? [options.json]
    : [path.join(RESULTS, 'latest.json'), path.join(RESULTS, `latest-${options.files.length > 0 ? 'files' : options.size}.json`)];
  for (const file of targetsFiles) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
    log(`wrote ${path.relative(process.cwd(), file)}`);
  }
  return 0;
}

process.exitCode = await main();

/**
 * Reads the files once, untimed, before a measurement: every tool then starts with its input in the
 * page cache, as after a snapshot was just written. This VM's kernel evicts page cache it finds idle
 * (one 1 GB file took 107 s to parse from disk, against ~5 s cached), which would otherwise land on
 * whichever run came first after a pause.
 */
function readIntoPageCache(files: string[]): void {
  const buffer = Buffer.allocUnsafe(8 * 1024 * 1024);
  for (const file of files) {
    const fd = fs.openSync(file, 'r');
    try {
      while (fs.readSync(fd, buffer, 0, buffer.length, null) > 0) { /* reading is the point */ }
    } finally {
      fs.closeSync(fd);
    }
  }
}
