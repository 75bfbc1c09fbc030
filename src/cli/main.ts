// The CLI: one commander program, one file per command in ./commands, and the only place that turns
// errors into messages and exit codes (0 ok, 1 a check found a problem, 2 usage or input error).

import { Command, CommanderError } from 'commander';
import { EXIT_OK, EXIT_USAGE, LeakscopeError } from '../errors.ts';
import { sanitizeLine, takeExitCode } from './io.ts';
import { registerTopCommand } from './commands/top.ts';
import { registerCountCommand } from './commands/count.ts';
import { registerListCommand } from './commands/list.ts';
import { registerInfoCommand } from './commands/info.ts';
import { registerChainCommand } from './commands/chain.ts';
import { registerRefsCommands } from './commands/refs.ts';
import { registerGrowthCommand } from './commands/growth.ts';
import { registerCyclesCommand } from './commands/cycles.ts';
import { registerSuspectsCommand } from './commands/suspects.ts';
import { registerSnapshotCommand } from './commands/snapshot.ts';
import { registerRunCommand } from './commands/run.ts';
import { registerDemoCommand } from './commands/demo.ts';

const VERSION = '0.1.0';

/** Each command module adds itself to the program; its action returns the exit code. */
const COMMANDS: ((program: Command) => void)[] = [
  registerTopCommand,
  registerCountCommand,
  registerListCommand,
  registerInfoCommand,
  registerChainCommand,
  registerRefsCommands,
  registerGrowthCommand,
  registerCyclesCommand,
  registerSuspectsCommand,
  registerSnapshotCommand,
  registerRunCommand,
  registerDemoCommand,
];

export function buildProgram(): Command {
  const program = new Command('leakscope')
    .description('Find memory leaks in JavaScript programs from V8 heap snapshots.')
    .version(VERSION, '-V, --version')
    .option('--debug', 'print stack traces for errors')
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .exitOverride();
  for (const register of COMMANDS) register(program);
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
  const program = buildProgram();
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
