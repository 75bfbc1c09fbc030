// Writing output of any size: chunks one after another, waiting when stdout's buffer is full (on a
// pipe that a slow reader drains), so that neither the output nor its buffer is ever held whole.

import { once } from 'node:events';

/** Writes every chunk to `stream` (stdout by default), honouring backpressure; rejects on a write error. */
export async function writeChunks(chunks: Iterable<string>, stream: NodeJS.WritableStream = process.stdout): Promise<void> {
  for (const chunk of chunks) {
    if (!stream.write(chunk)) await once(stream, 'drain');
  }
}

/** Lines, each ending with a newline, joined into chunks of about 64 kB. */
export function* joinLines(lines: Iterable<string>): Generator<string> {
  let buffer = '';
  for (const line of lines) {
    buffer += `${line}\n`;
    if (buffer.length >= 64 * 1024) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer !== '') yield buffer;
}
