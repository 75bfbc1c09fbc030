// Which command the CLI's arguments name, before commander parses them: main.ts loads only that
// command's module, and bin/leakscope.js decides whether to run again with huge pages.

/** Global options that take a value (main.ts): their value is not the command. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--source-maps']);

/** The first argument that is neither an option nor a global option's value; undefined when none. */
export function commandNameOf(argv: string[]): string | undefined {
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k];
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) k++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}
