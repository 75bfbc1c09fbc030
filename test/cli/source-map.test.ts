// Source-mapped locations (issue 16 item 4) on a real TypeScript program (fixtures/programs/ts-app),
// compiled here with the project's own `typescript` and run once: its chains must show app.ts lines,
// whether the map is a file next to the script, inline, or in a folder given with --source-maps.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCliInProcess } from '../helpers/cli.ts';

const SOURCE = path.join(PROJECT_ROOT, 'fixtures/programs/ts-app/app.ts');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-source-map-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const appDir = path.join(tmp, 'app');
const script = path.join(appDir, 'app.js');
const snapshot = path.join(tmp, 'ts-app.heapsnapshot');
const source = fs.readFileSync(SOURCE, 'utf8');
/** The 1-based line of `add` in app.ts: where the closure that holds the leak is defined. */
const HOLDER_LINE = source.split('\n').findIndex((line) => line.includes('// HOLDER')) + 1;

/**
 * app.ts compiled to CommonJS as tsc would write it into another folder: the map's `sources` lead
 * back to the .ts file from the map's folder (`sourceRoot` when the map is moved away from it).
 */
function compile(mapDir: string): { js: string; map: string } {
  const output = ts.transpileModule(source, {
    fileName: 'app.ts',
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, sourceMap: true },
  });
  const map = JSON.parse(output.sourceMapText!) as { sources: string[]; file: string };
  map.sources = [path.relative(mapDir, SOURCE)];
  return { js: output.outputText.replace(/\/\/# sourceMappingURL=.*\s*$/, ''), map: JSON.stringify(map) };
}

function writeScript(map: 'file' | 'inline' | 'none'): void {
  const { js, map: mapText } = compile(appDir);
  fs.rmSync(`${script}.map`, { force: true });
  // The compiled lines are the same in every variant: only the last comment line differs.
  const comment = map === 'file' ? '//# sourceMappingURL=app.js.map'
    : map === 'inline' ? `//# sourceMappingURL=data:application/json;base64,${Buffer.from(mapText).toString('base64')}` : '';
  fs.writeFileSync(script, `${js}${comment}\n`);
  if (map === 'file') fs.writeFileSync(`${script}.map`, mapText);
}

/** The chain line of the closure that holds the OrderRecords. */
async function holderLine(args: string[] = []): Promise<string> {
  const r = await runCliInProcess(['chain', snapshot, '--type', 'OrderRecord', ...args], { env: { NO_COLOR: '1' } });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const line = r.stdout.split('\n').find((l) => l.includes('Function add'));
  if (line === undefined) throw new Error(`no closure "add" on the chain:\n${r.stdout}`);
  return line;
}

describe('chains of a TypeScript program show app.ts lines', () => {
  beforeAll(() => {
    fs.mkdirSync(appDir, { recursive: true });
    writeScript('file');
    const r = spawnSync(process.execPath, ['--expose-gc', script, snapshot], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`ts-app failed: ${r.stderr}`);
  }, 120_000);

  it(`leakscope chain SNAP --type OrderRecord  (map file next to the script)`, async () => {
    writeScript('file');
    expect(await holderLine()).toMatch(new RegExp(`\\.add → Function add @\\d+ .* ${escape(SOURCE)}:${HOLDER_LINE}:\\d+$`));
  });

  it('leakscope chain SNAP --type OrderRecord  (inline data: URL map)', async () => {
    writeScript('inline');
    expect(await holderLine()).toMatch(new RegExp(`${escape(SOURCE)}:${HOLDER_LINE}:\\d+$`));
  });

  it('leakscope chain SNAP --type OrderRecord --source-maps DIR  (no comment in the script; the map elsewhere)', async () => {
    writeScript('none');
    const maps = path.join(tmp, 'maps', 'nested');
    fs.mkdirSync(maps, { recursive: true });
    fs.writeFileSync(path.join(maps, 'app.js.map'), compile(maps).map);
    expect(await holderLine()).toMatch(new RegExp(`${escape(script)}:\\d+:\\d+$`));
    expect(await holderLine(['--source-maps', path.join(tmp, 'maps')])).toMatch(new RegExp(`${escape(SOURCE)}:${HOLDER_LINE}:\\d+$`));
  });

  it('leakscope chain SNAP --source-maps MISSING  → exit 2', async () => {
    const r = await runCliInProcess(['chain', snapshot, '--type', 'OrderRecord', '--source-maps', path.join(tmp, 'missing')], { env: { NO_COLOR: '1' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`leakscope: --source-maps ${path.join(tmp, 'missing')}: no such folder\n`);
    expect(r.stdout).toBe('');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
