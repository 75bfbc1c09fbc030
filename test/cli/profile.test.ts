// `leakscope profile` as a user runs it, on sampling heap profiles of a real program
// (fixtures/programs/alloc-sessions.mjs): one written by `node --heap-prof`, two taken over
// node:inspector at two moments of one process.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCli, runCliInProcess } from '../helpers/cli.ts';

const PROGRAM = path.join(PROJECT_ROOT, 'fixtures/programs/alloc-sessions.mjs');
const PROGRAM_SHOWN = 'fixtures/programs/alloc-sessions.mjs';
/** Where V8 puts openSessions: the line of its declaration, the column of its parameter list (1-based). */
const SOURCE_LINES = fs.readFileSync(PROGRAM, 'utf8').split('\n');
const ALLOC_LINE = SOURCE_LINES.findIndex((line) => line.startsWith('function openSessions(')) + 1;
const ALLOC_COLUMN = SOURCE_LINES[ALLOC_LINE - 1].indexOf('(') + 1;
const ALLOC_SITE = `${PROGRAM_SHOWN}:${ALLOC_LINE}:${ALLOC_COLUMN}`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-profile-'));
let atExit = '';
let early = '';
let late = '';

beforeAll(() => {
  const heapProf = spawnSync(process.execPath, ['--heap-prof', '--heap-prof-interval=4096', `--heap-prof-dir=${tmp}`, PROGRAM], { encoding: 'utf8' });
  expect(heapProf.status, heapProf.stderr).toBe(0);
  atExit = path.join(tmp, fs.readdirSync(tmp).find((name) => name.endsWith('.heapprofile'))!);
  const series = spawnSync(process.execPath, [PROGRAM, 'profiles', tmp], { encoding: 'utf8' });
  expect(series.status, series.stderr).toBe(0);
  early = path.join(tmp, 'early.heapprofile');
  late = path.join(tmp, 'late.heapprofile');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('leakscope profile on real profiles', () => {
  it('leakscope profile Heap.….heapprofile names the allocating function and its file:line:col first', async () => {
    const { status, stdout, stderr } = runCli(['profile', atExit, '--limit', '3']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Sampling heap profile .*: [\d.]+ [kM]B live in [\d,]+ samples, [\d,]+ allocation sites$/m);
    const table = stdout.split('\n');
    const firstRow = table[table.findIndex((line) => line.startsWith('────')) + 1];
    expect(firstRow).toMatch(new RegExp(`^openSessions +${ALLOC_SITE.replace(/\./g, '\\.')} +[\\d.]+ MB +\\d+\\.\\d%`));
    expect(stdout).toMatch(new RegExp(`^#1 +[\\d.]+ MB \\([\\d.]+%\\) +openSessions +${ALLOC_SITE.replace(/\./g, '\\.')}$`, 'm'));
    expect(stdout).toMatch(/… \d+ more sites \(--limit 0 shows all\)/);
  });

  it('leakscope profile --json: sites, stacks and the totals add up', async () => {
    const { status, stdout } = await runCliInProcess(['profile', atExit, '--json', '--limit', '0']);
    expect(status).toBe(0);
    const json = JSON.parse(stdout);
    expect(Object.keys(json)).toEqual(['profiles', 'sites', 'siteCount', 'stacks', 'stackCount', 'growth']);
    expect(json.growth).toBeNull();
    const [profile] = json.profiles;
    expect(profile).toEqual({ file: atExit, totalSize: expect.any(Number), sampleCount: expect.any(Number), nodeCount: expect.any(Number) });
    const [top] = json.sites;
    expect(top).toMatchObject({ functionName: 'openSessions', line: ALLOC_LINE, column: ALLOC_COLUMN });
    expect(top.url).toBe(`file://${PROGRAM}`);
    // 20,000 sessions of ~300 bytes each are most of what stays alive.
    expect(top.selfSize / profile.totalSize).toBeGreaterThan(0.5);
    const selfSum = json.sites.reduce((sum: number, s: { selfSize: number }) => sum + s.selfSize, 0);
    expect(selfSum).toBe(profile.totalSize);
    expect(json.stacks[0].frames[0]).toMatchObject({ functionName: 'openSessions', line: ALLOC_LINE });
    expect(json.stacks[0].frames.some((f: { functionName: string }) => f.functionName === 'parseHeader')).toBe(false);
  });

  it('leakscope profile early.heapprofile late.heapprofile: growth by allocation site, the grown one first', async () => {
    const { status, stdout } = await runCliInProcess(['profile', early, late, '--json']);
    expect(status).toBe(0);
    const { growth } = JSON.parse(stdout);
    expect(growth.totalSizes[1]).toBeGreaterThan(growth.totalSizes[0] * 2);
    expect(growth.sites[0]).toMatchObject({ functionName: 'openSessions', line: ALLOC_LINE });
    // 15,000 more sessions: megabytes, not noise.
    expect(growth.sites[0].delta).toBeGreaterThan(2_000_000);
    const text = (await runCliInProcess(['profile', early, late, '--limit', '2'])).stdout;
    expect(text).toMatch(/^Growth over 2 profiles: live sampled bytes [\d.]+ MB → [\d.]+ MB$/m);
    expect(text).toMatch(new RegExp(`^openSessions +${ALLOC_SITE.replace(/\./g, '\\.')} +[\\d.]+ MB → [\\d.]+ MB +\\+[\\d.]+ MB$`, 'm'));
  });

  it('leakscope profile late.heapprofile.gz reads a gzipped profile as the plain one', async () => {
    const gz = path.join(tmp, 'late.heapprofile.gz');
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(late)));
    const plain = JSON.parse((await runCliInProcess(['profile', late, '--json'])).stdout);
    const zipped = JSON.parse((await runCliInProcess(['profile', gz, '--json'])).stdout);
    expect(zipped.sites).toEqual(plain.sites);
  });

  it('leakscope profile --dot draws the heaviest stacks as a call tree, the allocating frame highlighted', async () => {
    const dot = path.join(tmp, 'stacks.dot');
    const { status, stderr } = await runCliInProcess(['profile', atExit, '--dot', dot, '--limit', '2']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const text = fs.readFileSync(dot, 'utf8');
    expect(text).toMatch(/^digraph "leakscope profile" \{/);
    expect(text).toMatch(new RegExp(`label="openSessions\\\\n${ALLOC_SITE.replace(/\./g, '\\.')}\\\\n[\\d.]+ MB allocated here".*style="filled"`));
    expect(text).toMatch(/label="\(root\)\\n[\d.]+ MB below"/);
  });
});

describe('leakscope profile on bad input: one line, exit 2 (each refusal: test/snapshot/profile-parsing.test.ts)', () => {
  const write = (name: string, content: string) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, content);
    return file;
  };
  const frame = (name = 'f') => ({ functionName: name, scriptId: '1', url: 'file:///app.js', lineNumber: 0, columnNumber: 0 });

  it('leakscope profile truncated.heapprofile', async () => {
    const { status, stdout, stderr } = await runCliInProcess(['profile', write('truncated.heapprofile', '{"head":{"callFrame":')]);
    expect(stdout).toBe('');
    expect(status).toBe(2);
    expect(stderr).toMatch(/^leakscope: .*truncated\.heapprofile: not a sampling heap profile: invalid JSON \(.*\)\n$/);
  });

  it('leakscope profile missing.heapprofile', async () => {
    const { status, stderr } = await runCliInProcess(['profile', path.join(tmp, 'missing.heapprofile')]);
    expect(status).toBe(2);
    expect(stderr).toMatch(/^leakscope: .*missing\.heapprofile: no such file\n$/);
  });

  it('leakscope profile shows hostile function names and urls as escapes, in text and JSON', async () => {
    const evil = '\x1b[31mred\u202eevil\n';
    const file = write('hostile.heapprofile', JSON.stringify({ head: { callFrame: frame('(root)'), selfSize: 0, id: 1, children: [{ callFrame: { ...frame(evil), url: `file:///x${evil}.js` }, selfSize: 64, id: 2, children: [] }] }, samples: [{ size: 64, nodeId: 2, ordinal: 1 }] }));
    const text = await runCliInProcess(['profile', file]);
    expect(text.status).toBe(0);
    expect(text.stdout).not.toMatch(/[\x1b\u202e]/);
    expect(text.stdout).toContain('\\x1b[31mred\\u202eevil\\n');
    const json = await runCliInProcess(['profile', file, '--json']);
    expect(json.stdout).not.toMatch(/[\x1b\u202e]/);
    expect(JSON.parse(json.stdout).sites[0].functionName).toBe(evil);
    const dot = path.join(tmp, 'hostile.dot');
    expect((await runCliInProcess(['profile', file, '--dot', dot])).status).toBe(0);
    const drawn = fs.readFileSync(dot, 'utf8');
    expect(drawn).not.toMatch(/[\x1b\u202e]/);
    // The name's newline is a visible escape, never a line break in the label.
    expect(drawn).toContain('label="\\\\x1b[31mred\\\\u202eevil\\\\n\\n');
  });
});

describe('leakscope profile of a compiled TypeScript program', () => {
  // Interfaces and types vanish from the JavaScript, so app.ts lines differ from app.js lines.
  const SOURCE = [
    'interface Order {',
    '  id: number;',
    '  items: string[];',
    '}',
    '',
    'type Orders = Order[];',
    '',
    'function makeOrders(count: number): Orders {',
    '  const made: Orders = [];',
    '  for (let id = 0; id < count; id++) made.push({ id, items: new Array(16).fill(`sku-${id}`) });',
    '  return made;',
    '}',
    '(globalThis as { kept?: Orders }).kept = makeOrders(20000);',
    // A function whose script V8 has collected by the end is written with no url or line: keep it.
    '(globalThis as { make?: unknown }).make = makeOrders;',
    '',
  ].join('\n');
  const MAKE_LINE = 8;

  it('leakscope profile: the allocating function at its app.ts line, through the script\'s source map', async () => {
    const ts = (await import('typescript')).default;
    const dir = path.join(tmp, 'ts');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'app.ts'), SOURCE);
    const output = ts.transpileModule(SOURCE, { fileName: 'app.ts', compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, sourceMap: true } });
    fs.writeFileSync(path.join(dir, 'app.js'), output.outputText.replace(/\/\/# sourceMappingURL=.*/, '//# sourceMappingURL=app.js.map'));
    fs.writeFileSync(path.join(dir, 'app.js.map'), output.sourceMapText!);
    const child = spawnSync(process.execPath, ['--heap-prof', '--heap-prof-interval=4096', `--heap-prof-dir=${dir}`, path.join(dir, 'app.js')], { encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    const profile = path.join(dir, fs.readdirSync(dir).find((name) => name.endsWith('.heapprofile'))!);
    const { sites, profiles } = JSON.parse((await runCliInProcess(['profile', profile, '--json', '--limit', '0'])).stdout);
    const make = sites.find((site: { functionName: string }) => site.functionName === 'makeOrders');
    expect(make).toMatchObject({ url: path.join(dir, 'app.ts'), line: MAKE_LINE });
    // 20,000 orders of 16 strings: most of what stays alive.
    expect(make.selfSize / profiles[0].totalSize).toBeGreaterThan(0.5);
  });
});
