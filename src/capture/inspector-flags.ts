// Where a running Node process will open its inspector when it gets SIGUSR1: the host and port of its
// --inspect-port setting, worked out from its NODE_OPTIONS and command line the way Node does it.
//
// Node's rules (node_options.cc; each checked on Node 20.20 with --expose-internals and
// require('internal/options').getOptionValue('--inspect-port')):
//  - NODE_OPTIONS is parsed first, then the command line, and every occurrence updates the one
//    setting in turn: the last word wins, field by field;
//  - a value is `host:port`, `port`, `host` or `[ipv6]`, `[ipv6]:port`. A port alone keeps the host;
//    a host alone (no colon) also resets the port to 9229; `host:` means port 0, `:port` keeps the host;
//  - --inspect-port and its alias --debug-port take their value after `=` or as the next argument;
//    --inspect, --inspect-brk, --inspect-wait and --inspect-brk-node only after `=` (their bare forms
//    are switches, so `--inspect 9230` runs a script named 9230);
//  - options end at the first argument that is not an option (the script) or at `--`; the values of
//    options such as `-r mod` and `-e code` are skipped, and options after `-e code` still count;
//  - NODE_OPTIONS splits on spaces; double quotes group, and a backslash inside them escapes.
// process.debugPort is the port this yields; assigning it at run time did not move a later SIGUSR1
// activation on Node 20.20 (measured), and remote-session.ts checks the port the process really opens anyway.
// Not read: NODE_OPTIONS set in an --env-file; remote-session.ts's check of the opened socket is the backstop.

import fs from 'node:fs';

export const DEFAULT_INSPECTOR_HOST = '127.0.0.1';
export const DEFAULT_INSPECTOR_PORT = 9229;

export interface InspectorConfig {
  host: string;
  /** 0: a random port, chosen when the inspector opens. */
  port: number;
  /** The argument that last set the host, e.g. `--inspect-port 0.0.0.0:9229 (command line)`; none for the default. */
  hostSource?: string;
  /** --disable-sigusr1 (Node ≥ 22.14): SIGUSR1 does nothing. */
  isSigusr1Disabled: boolean;
  /** --inspect-publish-uid without `http`: the inspector serves no /json/list to find the session. */
  isHttpListUnpublished: boolean;
}

/**
 * Node options that take a value (Node 20–24). Only these consume the next argument when written
 * without `=`; every other option is a switch, and V8's options always need `=`.
 */
const OPTIONS_WITH_VALUE = new Set([
  '--allow-fs-read', '--allow-fs-write', '--build-snapshot-config', '--conditions', '-C', '--cpu-prof-dir',
  '--cpu-prof-interval', '--cpu-prof-name', '--diagnostic-dir', '--disable-proto', '--disable-warning',
  '--dns-result-order', '--env-file', '--env-file-if-exists', '--eval', '-e', '--experimental-config-file',
  '--experimental-default-type', '--experimental-loader', '--loader', '--experimental-policy',
  '--experimental-sea-config', '--heap-prof-dir', '--heap-prof-interval', '--heap-prof-name',
  '--heapsnapshot-near-heap-limit', '--heapsnapshot-signal', '--icu-data-dir', '--import', '--input-type',
  '--inspect-port', '--debug-port', '--inspect-publish-uid', '--localstorage-file', '--max-http-header-size',
  '--network-family-autoselection-attempt-timeout', '--openssl-config', '--policy-integrity', '--redirect-warnings',
  '--report-dir', '--report-directory', '--report-filename', '--report-signal', '--require', '-r', '--run',
  '--secure-heap', '--secure-heap-min', '--security-revert', '--snapshot-blob', '--test-concurrency',
  '--test-coverage-branches', '--test-coverage-exclude', '--test-coverage-functions', '--test-coverage-include',
  '--test-coverage-lines', '--test-global-setup', '--test-isolation', '--test-name-pattern', '--test-reporter',
  '--test-reporter-destination', '--test-shard', '--test-skip-pattern', '--test-timeout', '--title',
  '--tls-cipher-list', '--tls-keylog', '--trace-event-categories', '--trace-event-file-pattern',
  '--trace-require-module', '--unhandled-rejections', '--use-largepages', '--v8-pool-size', '--watch-kill-signal',
  '--watch-path',
]);
/** `-p code` / `--print code`: the next argument is the code unless it looks like an option. */
const PRINT_OPTIONS = new Set(['-p', '--print']);
/** Options whose `=value` is an inspector host:port (the bare forms of the last four are switches). */
const HOST_PORT_OPTIONS = new Set(['--inspect-port', '--debug-port', '--inspect', '--inspect-brk', '--inspect-wait', '--inspect-brk-node']);

/** The target's inspector setting, from /proc (Linux); the defaults elsewhere or when /proc is unreadable. */
export function readInspectorConfig(pid: number): InspectorConfig {
  let nodeOptions: string | undefined;
  let argv: string[] = [];
  try {
    argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (argv[argv.length - 1] === '') argv.pop();
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    nodeOptions = environ.find((entry) => entry.startsWith('NODE_OPTIONS='))?.slice('NODE_OPTIONS='.length);
  } catch {
    // No /proc (macOS, BSD) or not ours to read: Node's defaults. remote-session.ts checks the socket it opens.
  }
  return resolveInspectorConfig(nodeOptions, argv.slice(1));
}

/** Node's setting from NODE_OPTIONS (parsed first) and the command-line arguments after the executable. */
export function resolveInspectorConfig(nodeOptions: string | undefined, args: string[]): InspectorConfig {
  const config: InspectorConfig = {
    host: DEFAULT_INSPECTOR_HOST,
    port: DEFAULT_INSPECTOR_PORT,
    isSigusr1Disabled: false,
    isHttpListUnpublished: false,
  };
  const sources: [string[], string][] = [[splitNodeOptions(nodeOptions ?? ''), 'in NODE_OPTIONS'], [nodeOptionArgs(args), 'on its command line']];
  for (const [options, where] of sources) {
    for (const { name, value } of options.map(splitOption)) {
      if (name === '--disable-sigusr1') config.isSigusr1Disabled = true;
      if (name === '--inspect-publish-uid' && value !== undefined) config.isHttpListUnpublished = !value.split(',').includes('http');
      if (!HOST_PORT_OPTIONS.has(name) || value === undefined) continue;
      const update = parseHostPort(value);
      if (update.host !== undefined) {
        config.host = update.host;
        config.hostSource = `${name} ${value} ${where}`;
      }
      if (update.port !== undefined) config.port = update.port;
    }
  }
  return config;
}

/**
 * The options among the command-line arguments, each as one `--name=value` or `--name` word (a
 * value given as the next argument is joined to its option).
 */
function nodeOptionArgs(args: string[]): string[] {
  const options: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--' || !arg.startsWith('-') || arg === '-') break; // the script, or stdin
    const name = optionName(arg);
    if (arg.includes('=')) {
      options.push(arg);
    } else if (OPTIONS_WITH_VALUE.has(name) && i + 1 < args.length) {
      options.push(`${arg}=${args[++i]}`);
    } else if (PRINT_OPTIONS.has(name) && i + 1 < args.length && !args[i + 1].startsWith('-')) {
      i++;
    } else {
      options.push(arg);
    }
  }
  return options;
}

/** NODE_OPTIONS splits on spaces (splitNodeOptions); a value with spaces or quotes needs double quotes. */
export function quoteNodeOption(value: string): string {
  return /[\s"]/.test(value) ? `"${value.replace(/(["\\])/g, '\\$1')}"` : value;
}

/** NODE_OPTIONS words as Node's ParseNodeOptionsEnvVar splits them; a value may follow as its own word. */
export function splitNodeOptions(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let hasWord = false;
  let isQuoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (isQuoted && c === '\\' && i + 1 < text.length) {
      word += text[++i];
    } else if (c === '"') {
      isQuoted = !isQuoted;
      hasWord = true;
    } else if (c === ' ' && !isQuoted) {
      if (hasWord) words.push(word);
      word = '';
      hasWord = false;
    } else {
      word += c;
      hasWord = true;
    }
  }
  if (hasWord) words.push(word);
  return nodeOptionArgs(words);
}

function splitOption(word: string): { name: string; value?: string } {
  const eq = word.indexOf('=');
  return eq < 0 ? { name: optionName(word) } : { name: optionName(word.slice(0, eq)), value: word.slice(eq + 1) };
}

/** Node accepts `_` for `-` in option names (--inspect_port). */
function optionName(word: string): string {
  return word.replace(/_/g, '-');
}

/** Node's SplitHostPort: what one `[host:]port` value sets. */
export function parseHostPort(value: string): { host?: string; port?: number } {
  if (value.startsWith('[') && value.endsWith(']')) return { host: value.slice(1, -1), port: DEFAULT_INSPECTOR_PORT };
  const colon = value.lastIndexOf(':');
  if (colon < 0) {
    return /^\d+$/.test(value) ? { port: Number(value) } : { host: value, port: DEFAULT_INSPECTOR_PORT };
  }
  const host = value.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const portText = value.slice(colon + 1);
  // strtol: an empty port is 0 (Node rejects other non-numbers at startup, so the process would not run).
  const port = portText === '' ? 0 : /^\d+$/.test(portText) ? Number(portText) : undefined;
  return { host: host === '' ? undefined : host, port };
}

/** Addresses only this machine can reach: 127.0.0.0/8, ::1 (also IPv4-mapped) and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^::ffff:/, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '0:0:0:0:0:0:0:1';
}
