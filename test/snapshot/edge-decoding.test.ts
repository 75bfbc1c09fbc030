// "edges" read from both ends (edge-decoding.ts): wherever the two sides meet — inside a number,
// inside a record, on a chunk of any size — the columns and the largest string index are those of
// one front-to-back pass, and a bad byte in the back side's part is never silently accepted.
// The meeting point is set here by claiming chunks by hand before each side runs, so every
// boundary is tested, not only the ones a race happens to pick.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SnapshotParser, type EdgeLayout } from '../../src/snapshot/parser.ts';
import { createEdgeClaims, isStandardEdgeLayout, mergeEdgeNameMaximum, parseEdgesFromBack, parseEdgesFromFront, edgeWorkerData } from '../../src/snapshot/edge-decoding.ts';
import { fixturePath } from '../helpers/fixtures.ts';

const FRONT = 1;
const BACK = 2;

/** A parser fed up to the '[' of "edges" (columns allocated, shared), and that offset. */
function layoutOf(file: string, bytes: Buffer): { layout: EdgeLayout; start: number; close: number } {
  const text = bytes.toString('latin1');
  const open = text.indexOf('"edges":[') + '"edges":['.length - 1;
  const parser = new SnapshotParser(file, bytes.length, { sharedColumns: true });
  parser.feed(bytes.subarray(0, open + 1));
  return { layout: parser.edgeLayout()!, start: open + 1, close: text.indexOf(']', open) };
}


/** Both sides, meeting at chunk `meet` (chunks below are the front's, the rest the back's). */
function readFromBothEnds(file: string, bytes: Buffer, claimBytes: number, meet: number) {
  const { layout, start, close } = layoutOf(file, bytes);
  const table = createEdgeClaims(start, bytes.length, claimBytes);
  const claims = new Int32Array(table);
  // The back side claims from the end: hand it its chunks first, so the front stops at `meet`.
  for (let k = meet; k < claims.length; k++) claims[k] = BACK;
  const front = parseEdgesFromFront(edgeWorkerData(file, bytes.length, start, layout, table, claimBytes));
  for (let k = meet; k < claims.length; k++) claims[k] = 0;
  for (let k = 0; k < meet; k++) claims[k] = FRONT;
  const fd = fs.openSync(file, 'r');
  try {
    const back = parseEdgesFromBack(fd, layout, start, close, claims, claimBytes);
    return { layout, front, back, start, close };
  } finally {
    fs.closeSync(fd);
  }
}

function oneSide(file: string, bytes: Buffer) {
  const { layout, start } = layoutOf(file, bytes);
  return { layout, front: parseEdgesFromFront(edgeWorkerData(file, bytes.length, start, layout, null, 1)) };
}

const same = (a: ArrayBufferView, b: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('edges read from both ends', () => {
  const file = fixturePath('diff-a');
  const bytes = fs.readFileSync(file);
  const whole = oneSide(file, bytes);

  it('uses the standard layout the back side needs (type, name_or_index, to_node)', () => {
    expect(isStandardEdgeLayout(whole.layout)).toBe(true);
    expect(whole.front.close).toBeGreaterThan(0);
    expect(whole.front.numbers).toBe(whole.layout.edgeCount * 3);
  });

  // Chunk sizes that put boundaries inside numbers and records (7), at no particular place (1000),
  // and a meeting point at each end of the section as well as inside it.
  for (const claimBytes of [7, 1000, 65536]) {
    it(`gives the one-pass columns wherever the sides meet (chunks of ${claimBytes} bytes)`, () => {
      const { start, close } = layoutOf(file, bytes);
      const chunks = Math.ceil((close + 1 - start) / claimBytes);
      const meets = [...new Set([0, 1, Math.floor(chunks / 3), Math.floor(chunks / 2) + 1, chunks - 1])].filter((m) => m >= 0 && m < chunks);
      for (const meet of meets) {
        const { layout, front, back } = readFromBothEnds(file, bytes, claimBytes, meet);
        expect(back, `meet ${meet}`).not.toBeNull();
        expect(front.close, `meet ${meet}`).toBe(-1);
        expect(back!.begin).toBe(front.end);
        expect(front.numbers + back!.numbers).toBe(layout.edgeCount * 3);
        expect(same(layout.edgeType, whole.layout.edgeType), 'edgeType').toBe(true);
        expect(same(layout.edgeNameOrIndex, whole.layout.edgeNameOrIndex), 'edgeNameOrIndex').toBe(true);
        expect(same(layout.edgeTarget, whole.layout.edgeTarget), 'edgeTarget').toBe(true);
        expect(mergeEdgeNameMaximum(front.maxName, back!, layout)).toEqual(whole.front.maxName);
      }
    });
  }

  it('finds the largest string index wherever it lies, and the first of equal ones', () => {
    // One name past every other, in the back part, and written twice: the first one counts.
    const text = bytes.toString('latin1');
    const { start, close } = layoutOf(file, bytes);
    const section = text.slice(start, close);
    const records = [...section.matchAll(/(\d+),(\d+),(\d+)/g)];
    const stringType = whole.layout.isStringEdge.indexOf(1);
    const pick = [Math.floor(records.length * 0.7), Math.floor(records.length * 0.8)];
    let edited = section;
    for (const k of pick.reverse()) {
      const m = records[k];
      edited = edited.slice(0, m.index) + `${stringType},999999,${m[3]}` + edited.slice(m.index! + m[0].length);
    }
    const data = Buffer.from(text.slice(0, start) + edited + text.slice(close), 'latin1');
    const copy = `${fs.mkdtempSync(`${process.env.TMPDIR ?? '/tmp'}/leakscope-test-`)}/names.heapsnapshot`;
    fs.writeFileSync(copy, data);
    const reference = oneSide(copy, data).front.maxName;
    expect(reference.value).toBe(999999);
    const chunks = Math.ceil((close + 1 - start) / 100);
    for (const meet of [1, Math.floor(chunks * 0.75), chunks - 1]) {
      const { layout, front, back } = readFromBothEnds(copy, data, 100, meet);
      expect(mergeEdgeNameMaximum(front.maxName, back!, layout), `meet ${meet}`).toEqual(reference);
    }
  });

  it('refuses a back part that is not a valid end of "edges"', () => {
    const text = bytes.toString('latin1');
    const { start, close } = layoutOf(file, bytes);
    const at = start + Math.floor((close - start) * 0.9);
    const cases = [
      Buffer.from(text.slice(0, at) + 'x' + text.slice(at + 1), 'latin1'), // a letter
      Buffer.from(text.slice(0, at) + '12345678901234567' + text.slice(at), 'latin1'), // too many digits, too many numbers
      Buffer.from(text.slice(0, close) + ',1' + text.slice(close), 'latin1'), // one number too many
    ];
    for (const [k, data] of cases.entries()) {
      const copy = `${fs.mkdtempSync(`${process.env.TMPDIR ?? '/tmp'}/leakscope-test-`)}/bad.heapsnapshot`;
      fs.writeFileSync(copy, data);
      const { start: s, close: c } = layoutOf(copy, data);
      const chunks = Math.ceil((c + 1 - s) / 1000);
      const { front, back, layout } = readFromBothEnds(copy, data, 1000, Math.floor(chunks / 2));
      const accepted = back !== null && back.begin === front.end && front.numbers + back.numbers === layout.edgeCount * 3;
      expect(accepted, `case ${k}`).toBe(false);
    }
  });
});
