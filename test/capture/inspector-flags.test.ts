import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, parseHostPort, resolveInspectorConfig, splitNodeOptions } from '../../src/capture/inspector-flags.ts';

/** What Node itself makes of the same flags: its parsed --inspect-port setting (no inspector is opened). */
function nodeSays(nodeOptions: string, args: string[]): { host: string; port: number } {
  const probe = "process.stdout.write(JSON.stringify(require('internal/options').getOptionValue('--inspect-port')))";
  const result = spawnSync(process.execPath, ['--expose-internals', ...args, '-e', probe], {
    env: { ...process.env, NODE_OPTIONS: nodeOptions }, encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as { host: string; port: number };
}

// [NODE_OPTIONS, command-line options]: every form Node accepts, and the order in which they win.
// None starts an inspector (--inspect=… would), so the non-loopback hosts here never listen.
const CASES: [string, string[]][] = [
  ['', []],
  ['', ['--inspect-port', '0.0.0.0:9482']],
  ['', ['--inspect-port=0.0.0.0:9482']],
  ['', ['--debug-port', '9483']],
  ['', ['--inspect-port=10.1.2.3']],
  ['', ['--inspect-port=9484', '--inspect-port=10.1.2.3']],
  ['', ['--inspect-port=10.1.2.3:9485', '--inspect-port=9486']],
  ['', ['--inspect-port=[::]:9487']],
  ['', ['--inspect-port=[::1]']],
  ['', ['--inspect-port=127.0.0.2:']],
  ['', ['--inspect-port=:9488']],
  ['', ['--inspect_port=0.0.0.0:9489']],
  ['', ['-r', 'node:os', '--inspect-port', '0.0.0.0:9490']],
  ['', ['--title', 'x y', '--inspect-port=1.2.3.4:9491', '--inspect-port=9492']],
  ['', ['--conditions', 'x', '--max-old-space-size=64', '--debug-port=0.0.0.0:9493']],
  ['--inspect-port 0.0.0.0:9494', []],
  ['--inspect-port=0.0.0.0:9495', ['--inspect-port=9496']],
  ['--inspect-port=9497', ['--inspect-port=10.0.0.1']],
  ['--title "a b" --inspect-port=0.0.0.0:9498', []],
  ['"--inspect-port=0.0.0.0:9499"', ['--debug-port', '127.0.0.3']],
];

describe('resolveInspectorConfig agrees with Node on --inspect-port', () => {
  for (const [nodeOptions, args] of CASES) {
    it(`NODE_OPTIONS=${JSON.stringify(nodeOptions)} node ${args.join(' ')}`, () => {
      const ours = resolveInspectorConfig(nodeOptions, [...args, 'app.js', '--inspect-port=1.1.1.1:1111']);
      expect({ host: ours.host, port: ours.port }).toEqual(nodeSays(nodeOptions, args));
    });
  }
});

describe('inspector flags Node only reads after `=`', () => {
  it('--inspect=H:P, --inspect-brk=H:P and --inspect-wait=H:P set the host and port; their bare forms are switches', () => {
    expect(resolveInspectorConfig('', ['--inspect=0.0.0.0:9500', 'app.js'])).toMatchObject({ host: '0.0.0.0', port: 9500 });
    expect(resolveInspectorConfig('--inspect-brk=[::]:9501', ['app.js'])).toMatchObject({ host: '::', port: 9501 });
    expect(resolveInspectorConfig('', ['--inspect-wait=9502', 'app.js'])).toMatchObject({ host: '127.0.0.1', port: 9502 });
    // `--inspect 9503` runs a script named 9503.
    expect(resolveInspectorConfig('', ['--inspect', '9503', '--inspect-port=0.0.0.0:1'])).toMatchObject({ host: '127.0.0.1', port: 9229 });
  });

  it('options after -e CODE still count; arguments after the script or -- do not; -p takes its code', () => {
    expect(resolveInspectorConfig('', ['-e', 'x', '--inspect-port=0.0.0.0:9504'])).toMatchObject({ host: '0.0.0.0' });
    expect(resolveInspectorConfig('', ['-p', 'x', '--inspect-port=0.0.0.0:9505'])).toMatchObject({ host: '0.0.0.0' });
    expect(resolveInspectorConfig('', ['--', 'app.js', '--inspect-port=0.0.0.0:9506'])).toMatchObject({ host: '127.0.0.1' });
  });

  it('names where the host came from, and notes flags that would make an inspector impossible to close', () => {
    expect(resolveInspectorConfig('--inspect-port=0.0.0.0:9507', []).hostSource).toBe('--inspect-port 0.0.0.0:9507 in NODE_OPTIONS');
    expect(resolveInspectorConfig('', ['--inspect-publish-uid=stderr']).isHttpListUnpublished).toBe(true);
    expect(resolveInspectorConfig('', ['--inspect-publish-uid', 'stderr,http']).isHttpListUnpublished).toBe(false);
    expect(resolveInspectorConfig('--disable-sigusr1', []).isSigusr1Disabled).toBe(true);
  });
});

describe('helpers', () => {
  it('parseHostPort follows SplitHostPort', () => {
    expect(parseHostPort('9229')).toEqual({ port: 9229 });
    expect(parseHostPort('example.org')).toEqual({ host: 'example.org', port: 9229 });
    expect(parseHostPort('[::1]:9230')).toEqual({ host: '::1', port: 9230 });
  });

  it('splitNodeOptions: spaces split, double quotes group, backslash escapes inside quotes', () => {
    expect(splitNodeOptions('  --title "a \\"b\\" c"  --inspect-port=1 ')).toEqual(['--title=a "b" c', '--inspect-port=1']);
  });

  it('isLoopbackHost', () => {
    for (const host of ['127.0.0.1', '127.9.9.9', '::1', 'localhost', '::ffff:127.0.0.1']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.org', '128.0.0.1']) expect(isLoopbackHost(host)).toBe(false);
  });
});
