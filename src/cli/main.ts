// The CLI: one commander program, one file per command in ./commands, and the only place that turns
// errors into messages and exit codes (0 ok, 1 a check found a problem, 2 usage or input error).

import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { EXIT_OK, EXIT_USAGE, LeakscopeError } from '../errors.ts';
import { sanitizeLine, takeExitCode } from './action.ts';
import { commandNameOf } from './command-name.ts';

/** From package.json (two folders up from src/cli and from dist/cli alike). */
const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

type Register = (program: Command) => void;

/**
 * Each command module adds itself to the program; its action returns the exit code. Loaded only
 * when needed: a command line names one command, and loading all of them (with the analyses they
 * import) would make every call, even --version, pay for the other ten.
 */
const COMMANDS: [name: string[], load: () => Promise<Register>][] = [
  [['top'], async () => (await import('./commands/top.ts')).registerTopCommand],
  [['count'], async () => (await import('./commands/count.ts')).registerCountCommand],
  [['list'], async () => (await import('./commands/list.ts')).registerListCommand],
  [['info'], async () => (await import('./commands/info.ts')).registerInfoCommand],
  [['chain'], async () => (await import('./commands/chain.ts')).registerChainCommand],
  [['refs', 'backrefs'], async () => (await import('./commands/refs.ts')).registerRefsCommands],
  [['growth'], async () => (await import('./commands/growth.ts')).registerGrowthCommand],
  [['cycles'], async () => (await import('./commands/cycles.ts')).registerCyclesCommand],
  [['suspects'], async () => (await import('./commands/suspects.ts')).registerSuspectsCommand],
  [['snapshot'], async () => (await import('./commands/snapshot.ts')).registerSnapshotCommand],
  [['watch'], async () => (await import('./commands/watch.ts')).registerWatchCommand],
  [['run'], async () => (await import('./commands/run.ts')).registerRunCommand],
  [['demo'], async () => (await import('./commands/demo.ts')).registerDemoCommand],
  [['profile'], async () => (await import('./commands/profile.ts')).registerProfileCommand],
];

/**
 * The program with the commands `argv` needs: the one it names, or every command when it names
 * none (the overall help, or an unknown command that needs the full list for "did you mean").
 */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('leakscope')
    .description('Find memory leaks in JavaScript programs from V8 heap snapshots.')
    .version(VERSION, '-V, --version')
    .option('--debug', 'print stack traces for errors')
    .option('--source-maps <dir>', 'folder of .map files for compiled scripts (repeatable); scripts\' own sourceMappingURL comments are followed without it', (dir: string, dirs: string[] = []) => [...dirs, dir])
    .hook('preAction', async (command) => {
      const { configureSourceMaps } = await import('./source-maps.ts');
      configureSourceMaps((command.opts().sourceMaps as string[] | undefined) ?? []);
    })
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .exitOverride();
  const first = commandNameOf(argv);
  const named = COMMANDS.filter(([names]) => first !== undefined && names.includes(first));
  const isVersionOnly = argv.length > 0 && argv.every((arg) => arg === '--version' || arg === '-V');
  const wanted = isVersionOnly ? [] : named.length > 0 ? named : COMMANDS;
  for (const register of await Promise.all(wanted.map(([, load]) => load()))) register(program);
  for (const command of [program, ...program.commands]) {
    command.exitOverride().configureOutput({ outputError: writeUsageError });
  }
  return program;
}

/**
 * A reader that went away (`leakscope list … | head`) is not an error: stop quietly with exit 0,
 * as git and ls do. The only process.exit in leakscope: nothing is left to print to.
 */
function endQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT_OK);
    throw error;
  });
}

/** Runs the CLI and resolves to the exit code; never calls process.exit but for a closed stdout. */
export async function main(argv: string[]): Promise<number> {
  endQuietlyOnClosedStdout();
  const program = await buildProgram(argv);
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return takeExitCode();
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed the message (or the help/version text).
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT_OK;
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    const debug = argv.includes('--debug');
    if (error instanceof LeakscopeError) {
      process.stderr.write(`leakscope: ${sanitizeLine(error.message)}\n`);
      if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`leakscope: internal error: ${sanitizeLine(message)}\n`);
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    else process.stderr.write('leakscope: run again with --debug for a stack trace, and please report it\n');
    return EXIT_USAGE;
  }
}

/**
 * Commander's usage errors in leakscope's own voice: the message on the first line, commander's
 * hints ("(Did you mean --limit?)") on their own lines, each line sanitised.
 */
function writeUsageError(text: string, write: (s: string) => void): void {
  const [first, ...hints] = text.trim().replace(/^error:\s*/, '').split(/\r?\n/).filter((line) => line.trim() !== '');
  write(`leakscope: ${sanitizeLine(first ?? 'bad usage')} (see --help)\n`);
  for (const hint of hints) write(`${sanitizeLine(hint.trim())}\n`);
}
