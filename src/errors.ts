// Typed errors. Library code throws these; only src/cli/main.ts prints them and sets the exit code.

/** Exit codes users can rely on: 0 done, 1 a check found a problem, 2 usage or input error. */
export const EXIT_OK = 0;
export const EXIT_FINDING = 1;
export const EXIT_USAGE = 2;

export class LeakscopeError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = EXIT_USAGE) {
    super(message);
    this.name = 'LeakscopeError';
    this.exitCode = exitCode;
  }
}

/** A file that is not a readable V8 heap snapshot; the message names the file and the byte offset. */
export class SnapshotFormatError extends LeakscopeError {
  readonly file: string;
  readonly offset: number | undefined;
  constructor(file: string, message: string, offset?: number) {
    super(`${file}: ${message}${offset === undefined ? '' : ` (at byte ${offset})`}`);
    this.name = 'SnapshotFormatError';
    this.file = file;
    this.offset = offset;
  }
}
