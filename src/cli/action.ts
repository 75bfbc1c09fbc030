// How a command's action hands its exit code to main(), and the one-line sanitiser main() prints
// errors with: the part of the CLI plumbing main.ts needs before any command is loaded.

import { sanitizeForTerminal } from '../report/sanitize.ts';

let pendingExitCode = 0;

/** Wraps a command action so its returned exit code reaches main(). */
export function commandAction<A extends unknown[]>(action: (...args: A) => Promise<number | void> | number | void) {
  return async (...args: A): Promise<void> => {
    const code = await action(...args);
    pendingExitCode = typeof code === 'number' ? code : 0;
  };
}

export function takeExitCode(): number {
  const code = pendingExitCode;
  pendingExitCode = 0;
  return code;
}

/** One line, safe for the terminal: heap text can carry escape sequences. */
export function sanitizeLine(text: string): string {
  return sanitizeForTerminal(text, 2000);
}
