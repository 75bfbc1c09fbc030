import { describe, expect, it } from 'vitest';
import { grownStringCapacity, MAX_STRING_BYTES, StringTable } from '../../src/snapshot/string-table.ts';
import { SnapshotParser } from '../../src/snapshot/parser.ts';
import { EXIT_USAGE, SnapshotFormatError } from '../../src/errors.ts';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';

const GiB = 2 ** 30;

function smallSnapshot(): Buffer {
  const b = new SnapshotBuilder();
  const root = b.root();
  b.edge(root, 'property', 'a rather long property name', b.node('object', 'Thing', { selfSize: 8 }));
  return Buffer.from(b.toJSON());
}

describe('strings sections up to 4 GiB, and a clear refusal past that', () => {
  it('holds at most 4 GiB - 1 bytes: string offsets are 32-bit', () => {
    expect(MAX_STRING_BYTES).toBeLessThanOrEqual(0xffffffff);
    expect(MAX_STRING_BYTES).toBeGreaterThanOrEqual(2 * GiB - 1);
  });

  it('grows by doubling from 1 MiB, never past the limit', () => {
    expect(grownStringCapacity(0, 10)).toBe(2 ** 20);
    expect(grownStringCapacity(2 ** 20, 2 ** 20 + 1)).toBe(2 ** 21);
    expect(grownStringCapacity(3 * GiB, 3.5 * GiB, 0xffffffff)).toBe(0xffffffff);
    expect(grownStringCapacity(3 * GiB, 3.5 * GiB)).toBe(MAX_STRING_BYTES);
    expect(() => grownStringCapacity(0, 5 * GiB)).toThrow(RangeError);
  });

  it('reads a snapshot declared 6 GiB long without asking for a buffer over the limit', () => {
    // Before: Buffer.allocUnsafe(rest of the file) threw 'The value of "size" is out of range'.
    const bytes = smallSnapshot();
    const parser = new SnapshotParser('big.heapsnapshot', 6 * GiB);
    parser.feed(bytes);
    const parsed = parser.finish();
    expect(new StringTable(parsed.stringBytes, parsed.stringOffsets).get(3)).toBe('a rather long property name');
  });

  it('refuses strings over the limit with one SnapshotFormatError (exit 2) naming it', () => {
    const bytes = smallSnapshot();
    const strings = bytes.lastIndexOf('"strings":[') + '"strings":['.length;
    for (const [label, inputSize] of [['declared size', bytes.length], ['unknown size (gzip)', undefined]] as const) {
      const parser = new SnapshotParser('big.heapsnapshot', inputSize, { maxStringBytes: 20 });
      let error: unknown;
      try {
        for (let i = 0; i < bytes.length; i += 7) parser.feed(bytes.subarray(i, i + 7));
        parser.finish();
      } catch (e) {
        error = e;
      }
      expect(error, label).toBeInstanceOf(SnapshotFormatError);
      expect((error as SnapshotFormatError).exitCode).toBe(EXIT_USAGE);
      expect((error as Error).message).toMatch(/^big\.heapsnapshot: "strings" holds more than 20 bytes, the most leakscope can read \(its string offsets are 32-bit\) \(at byte \d+\)$/);
      // "<dummy>" (7) + "" + "Thing" (5) + "a rather long property name" (27): the 21st byte is in the last string.
      expect((error as SnapshotFormatError).offset).toBe(bytes.indexOf('a rather long property name', strings) + 8);
    }
  });
});
