// Conventions a CLI user expects: a closed pipe ends quietly, commander's hints stay readable.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, PROJECT_ROOT, runCliInProcess } from '../helpers/cli.ts';
import { fixtureGzPath } from '../helpers/fixtures.ts';

/** Runs `leakscope ARGS | head -c BYTES` in a shell; returns what head printed and leakscope's own exit status and stderr. */
function pipedToHead(args: string[], bytes: number): { out: string; status: number; stderr: string } {
  const quoted = args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const script = `"${process.execPath}" "${BIN}" ${quoted} 2>"$ERR" | head -c ${bytes}; echo; echo "status=\${PIPESTATUS[0]}"`;
  const err = `${PROJECT_ROOT}/.leakscope-epipe-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const r = spawnSync('bash', ['-c', `${script}; cat "$ERR"; rm -f "$ERR"`], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ERR: err } });
  const [out, rest] = r.stdout.split(/\nstatus=/);
  const [status, ...stderr] = rest.split('\n');
  return { out, status: Number(status), stderr: stderr.join('\n').trim() };
}

describe('a closed stdout (| head) ends quietly with exit 0', () => {
  const snapshot = fixtureGzPath('basic');
  for (const args of [['list', snapshot, '--type', '(string)', '--limit', '2000'], ['list', snapshot, '--type', '(string)', '--limit', '0', '--json'], ['refs', snapshot, '--type', 'Object']]) {
    it(`leakscope ${args.join(' ').replace(snapshot, 'basic')} | head -c 100`, () => {
      const r = pipedToHead(args, 100);
      expect(r.out.length).toBeGreaterThan(0);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  }
});

describe('commander messages', () => {
  it("leakscope top basic --limt 3 → the hint on its own line, exit 2", async () => {
    const r = await runCliInProcess(['top', fixtureGzPath('basic'), '--limt', '3']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("leakscope: unknown option '--limt' (see --help)\n(Did you mean --limit?)\n");
  });

  it('leakscope topp → the hint on its own line, exit 2', async () => {
    const r = await runCliInProcess(['topp']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("leakscope: unknown command 'topp' (see --help)\n(Did you mean top?)\n");
  });
});

describe('class names in --type', () => {
  const snapshot = fixtureGzPath('leaky-server-3');
  it('count leaky-server-3 --type requestcontext → resolved ignoring case', async () => {
    const r = await runCliInProcess(['count', snapshot, '--type', 'requestcontext']);
    expect(r.stdout).toBe('RequestContext: 600 objects, 38.4 kB\n');
    expect(r.status).toBe(0);
  });

  it('count leaky-server-3 --type RequestContxt → exit 2 with the closest name, not "0 objects"', async () => {
    const r = await runCliInProcess(['count', snapshot, '--type', 'RequestContxt']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^leakscope: no class "RequestContxt" in .* \(did you mean "RequestContext"\?\)/);
  });
});

describe('every command that takes --type resolves names the same way', () => {
  const snapshot = fixtureGzPath('leaky-server-3');
  for (const command of ['list', 'chain', 'refs', 'backrefs']) {
    it(`${command} leaky-server-3 --type RequestContxt → exit 2 with the closest name; --type requestcontext works`, async () => {
      const bad = await runCliInProcess([command, snapshot, '--type', 'RequestContxt']);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/^leakscope: no class "RequestContxt" in .* \(did you mean "RequestContext"\?\)/);
      const good = await runCliInProcess([command, snapshot, '--type', 'requestcontext', '--json']);
      expect(good.status).toBe(0);
    });
  }
});
