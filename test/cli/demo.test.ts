import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-demo-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('leakscope demo', () => {
  it('leakscope demo --out DIR/demo.svg: growth, the RequestLog chain, the SVG and three lines of explanation', () => {
    const svg = path.join(dir, 'demo.svg');
    const run = runCli(['demo', '--out', svg], { cwd: dir });
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^RequestLog +30 → 50 → 70 → 90 +\+60/m);
    expect(run.stdout).toMatch(/^60 objects of class RequestLog in 1 chain shape$/m);
    expect(run.stdout).toMatch(/->requestLog → Array @\d+\n {2}\[\d+\] → RequestLog/);
    expect(run.stdout.split('What you see:\n')[1].trim().split('\n')).toHaveLength(3);
    expect(fs.readFileSync(svg, 'utf8')).toMatch(/<svg[\s\S]*RequestLog/);
  });
});
