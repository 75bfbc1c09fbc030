// Decoding the "edges" section of a plain file from both ends at once (load.ts, parseFileParallel).
// "edges" is ~70 % of a snapshot's bytes; the main thread parses "nodes" (~28 %) and the small
// sections after "edges", so with one side per section the edges worker is the critical path and
// the main thread waits. Here the worker reads edges forwards from the '[' while the main thread,
// once done with everything else, reads them backwards from the ']'; they meet where they meet.
//
// Meeting without locks: the section's bytes are cut into chunks of `claimBytes`, each owned by
// whichever side first claims it (Atomics.compareExchange on one Int32 per chunk). The front side
// claims chunks 0, 1, 2… and the back side the last, the one before… each in order, each stopping
// at its first failed claim, so both stop at the same boundary. A number belongs to the chunk of
// its last digit; either side may read past its chunks to finish a number of its own.
// Numbers are counted from each end: the front knows each number's index from the start, the back
// from the header's edge count. The two counts must add up to the header's; the back side has no
// error messages of its own: anything wrong in its part (or counts that disagree) makes load.ts parse
// the file again sequentially, whose error is the one to report (bad files only pay for that).
//
// Front side errors are the sequential parser's own (outOfRangeMessage, describeByte): its bytes
// come first in the file, so its first error is the file's first error in "edges".

import fs from 'node:fs';
import { describeByte, outOfRangeMessage } from './parser-messages.ts';
import type { EdgeLayout, StringIndexMaximum } from './parser.ts';

const COMMA = 0x2c;
const RBRACKET = 0x5d;
const MAX_DIGITS = 16;
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Bytes the back side reads below a chunk: room for the rest of a number (at most 16 digits) that ends in it. */
const READ_BACK_BYTES = 64;

/** Who owns a chunk (0: nobody yet). */
const FRONT = 1;
const BACK = 2;

/**
 * 4 MiB: ~300 claims on a 1.2 GB section (one compareExchange each), and the two sides meet within
 * 4 MiB of where their speeds put the boundary (a few ms of parsing).
 */
export const EDGE_CLAIM_BYTES = 4 * 1024 * 1024;

/** The shared claim table for an "edges" section starting at `start` in a file of `size` bytes. */
export function createEdgeClaims(start: number, size: number, claimBytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(4 * (Math.ceil((size - start) / claimBytes) + 1));
}

/** Claims chunk `k` for `side`; chunks past the table lie past the file, where nobody else reads. */
function claimChunk(claims: Int32Array, k: number, side: number): boolean {
  return k >= claims.length || Atomics.compareExchange(claims, k, 0, side) === 0;
}

/**
 * The front side's claimed end once it has claimed every chunk up to the one holding `offset`, or
 * as far as it got: a result at or below `offset` means the back side holds that chunk.
 */
function claimThrough(claims: Int32Array, start: number, claimBytes: number, claimedEnd: number, offset: number): number {
  let end = claimedEnd;
  while (end <= offset && claimChunk(claims, (end - start) / claimBytes, FRONT)) end += claimBytes;
  return end;
}

/** A number the front side refuses, with the sequential parser's message and the byte it names. */
export class EdgeFormatError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

/** What load.ts's startEdgeWorker sends (EdgeLayout, with its typed arrays as shared buffers). */
export interface EdgeWorkerData {
  file: string;
  start: number;
  size: number;
  limit: number;
  sectionTooLong: string;
  edgeRoles: number[];
  edgeFieldNames: string[];
  edgeLimits: Float64Array | number[];
  edgeReasons: string[];
  isStringEdge: number[];
  isEdgeTypeFirst: boolean;
  edgeFieldCount: number;
  edgeCount: number;
  nodeFieldCount: number;
  edgeType: ArrayBufferLike;
  edgeNameOrIndex: ArrayBufferLike;
  edgeTarget: ArrayBufferLike;
  /** The claim table (createEdgeClaims) when the main thread reads from the other end; null: all is the worker's. */
  claims: SharedArrayBuffer | null;
  claimBytes: number;
}

export interface FrontEdgesResult {
  /** Offset of the section's ']' when the front side reached it; -1 when it stopped at the back side's chunks. */
  close: number;
  /** Where the front side's bytes end: the close, or the first chunk the back side claimed. */
  end: number;
  /** Numbers read (edge fields, counted from the section's first). */
  numbers: number;
  maxName: StringIndexMaximum;
}

/** The front side: the section from its '[' onwards, until its ']' or the back side's chunks. */
export function parseEdgesFromFront(data: EdgeWorkerData): FrontEdgesResult {
  const { file, start, size, limit, sectionTooLong, edgeRoles, edgeFieldCount, edgeCount, nodeFieldCount, edgeFieldNames, edgeReasons, isEdgeTypeFirst, claimBytes } = data;
  const limits = Float64Array.from(data.edgeLimits);
  const isStringEdge = Uint8Array.from(data.isStringEdge);
  const maxName = { value: -1, item: -1, offset: -1 };
  const edgeType = new Uint8Array(data.edgeType);
  const edgeNameOrIndex = new Uint32Array(data.edgeNameOrIndex);
  const edgeTarget = new Uint32Array(data.edgeTarget);
  const roles = Uint8Array.from(edgeRoles);
  const standard = edgeFieldCount === 3 && roles[0] === 0 && roles[1] === 1 && roles[2] === 2;
  const claims = data.claims === null ? null : new Int32Array(data.claims);
  const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK_BYTES, size - start)));
  const fd = fs.openSync(file, 'r');
  let digits = 0;
  let field = 0;
  let item = 0;
  let position = start;
  // Bytes before this are the front side's; it claims on as it reaches it. (No closure over the
  // loop's variables: captured, they would live in a heap context instead of registers.)
  let claimedEnd = claims === null ? Infinity : start;

  try {
    while (position < size) {
      const wanted = Math.min(buffer.length, size - position);
      const read = fs.readSync(fd, buffer, 0, wanted, position);
      if (read === 0) break;
      const base = position;
      // A short read means the file shrank: treat what came as the end of the input. Otherwise a
      // number running into the chunk's end is longer than MAX_DIGITS or ends at the file's end.
      const last = read < wanted || base + read === size;
      // Stop this chunk after its last non-digit, so no number spans two chunks; the next read
      // starts right there (positioned reads make the overlap free).
      let n = read;
      if (!last) {
        let k = read - 1;
        while (k >= 0 && buffer[k] >= 0x30 && buffer[k] <= 0x39) k--;
        if (k >= 0) n = k + 1;
      }
      // Bytes from the limit on are not parsed: the section must have closed before it.
      const isAtLimit = base + n >= limit;
      if (isAtLimit) n = limit - base;
      let stopAt = claimedEnd - base; // chunk-relative: claim before looking at bytes from here on
      let i = 0;
      while (i < n) {
        if (i >= stopAt) {
          claimedEnd = claimThrough(claims!, start, claimBytes, claimedEnd, base + i);
          if (claimedEnd <= base + i) return { close: -1, end: claimedEnd, numbers: item * edgeFieldCount + field, maxName };
          stopAt = claimedEnd - base;
        }
        let c = buffer[i];
        if (c >= 0x30 && c <= 0x39) {
          // One whole number: digits until a non-digit (or the end of the input).
          let v = c - 0x30;
          let j = i + 1;
          while (j < n && (c = buffer[j]) >= 0x30 && c <= 0x39) {
            v = v * 10 + (c - 0x30);
            j++;
          }
          if (j - i > MAX_DIGITS) throw new EdgeFormatError('number too long in "edges"', base + i + MAX_DIGITS);
          if (j === n && isAtLimit) throw new EdgeFormatError(sectionTooLong, limit);
          if (j === n && last) { i = j; digits = 1; break; } // the input ends inside a number
          // A number whose last digit lies in a chunk the back side holds is the back side's.
          if (j - 1 >= stopAt) {
            claimedEnd = claimThrough(claims!, start, claimBytes, claimedEnd, base + j - 1);
            if (claimedEnd <= base + j - 1) return { close: -1, end: claimedEnd, numbers: item * edgeFieldCount + field, maxName };
            stopAt = claimedEnd - base;
          }
          const offset = base + i; // errors about a number name its first digit
          if (item >= edgeCount) throw new EdgeFormatError(`"edges" holds more than the ${edgeCount} edges the header announces`, offset);
          if (v > limits[field]) throw new EdgeFormatError(outOfRangeMessage('edge', item, edgeFieldNames[field], v, edgeReasons[field]), offset);
          const role = standard ? field : roles[field];
          if (role === 0) {
            edgeType[item] = v;
          } else if (role === 1) {
            edgeNameOrIndex[item] = v;
            if (v > maxName.value && isEdgeTypeFirst && isStringEdge[edgeType[item]] === 1) {
              maxName.value = v;
              maxName.item = item;
              maxName.offset = offset;
            }
          } else if (role === 2) {
            const ordinal = v / nodeFieldCount;
            if (ordinal !== Math.floor(ordinal)) throw new EdgeFormatError(outOfRangeMessage('edge', item, edgeFieldNames[field], v, edgeReasons[field]), offset);
            edgeTarget[item] = ordinal;
          }
          if (++field === edgeFieldCount) { field = 0; item++; }
          i = j;
          continue;
        }
        if (c === COMMA || c === 0x0a || c === 0x20 || c === 0x0d || c === 0x09) { i++; continue; }
        if (c === RBRACKET) {
          if (field !== 0) throw new EdgeFormatError('"edges" ends in the middle of a record', base + i);
          if (item !== edgeCount) throw new EdgeFormatError(`"edges" holds ${item} edges, but the header announces ${edgeCount}`, base + i);
          return { close: base + i, end: base + i, numbers: item * edgeFieldCount, maxName };
        }
        throw new EdgeFormatError(`unexpected ${describeByte(c)} in "edges" (only unsigned integers are allowed)`, base + i);
      }
      if (isAtLimit) throw new EdgeFormatError(sectionTooLong, limit);
      position += n;
      if (digits !== 0) { position = base + read; break; }
    }
  } finally {
    fs.closeSync(fd);
  }
  // The sequential parser reports this from finish(), at the offset where the input ended.
  throw new EdgeFormatError(`truncated: the file ends inside "edges" after ${item} of ${edgeCount} records`, position);
}

export interface BackEdgesResult {
  /** Where the back side's bytes begin: the start of its lowest chunk (the close when it got none). */
  begin: number;
  /** Numbers read, counted from the section's last. */
  numbers: number;
  /** The largest string index among the records whose type this side read (first in file order). */
  maxName: StringIndexMaximum;
  /** The name of its first record when the front side read that record's type (checked once it is done). */
  firstName: StringIndexMaximum | null;
}

/** Whether the back side can help with this layout: type, name_or_index, to_node, in that order. */
export function isStandardEdgeLayout(layout: EdgeLayout): boolean {
  const roles = layout.edgeRoles;
  return layout.edgeFieldCount === 3 && roles[0] === 0 && roles[1] === 1 && roles[2] === 2;
}

/**
 * The back side: from the ']' at `close` backwards, chunk by chunk, until a chunk the front side
 * holds. Null when its part is not a valid end of a standard "edges" section (the caller parses
 * again sequentially for the error).
 */
export function parseEdgesFromBack(fd: number, layout: EdgeLayout, start: number, close: number, claims: Int32Array, claimBytes: number): BackEdgesResult | null {
  const { nodeFieldCount, edgeType, edgeNameOrIndex, edgeTarget, isStringEdge } = layout;
  const limits = Float64Array.from(layout.edgeLimits);
  let index = layout.edgeCount * 3; // numbers at and above this index are read
  let maxName: StringIndexMaximum = { value: -1, item: -1, offset: -1 };
  let nameOffset = -1;
  let begin = close;
  let position = close - 1; // the next byte to look at, moving down
  const buffer = Buffer.allocUnsafe(claimBytes + 2 * READ_BACK_BYTES);
  for (let k = Math.floor((close - start) / claimBytes); k >= 0; k--) {
    if (!claimChunk(claims, k, BACK)) break;
    const low = start + k * claimBytes;
    begin = low;
    if (position < low) continue; // a number of the chunk above took this chunk's last bytes
    const readFrom = Math.max(start, low - READ_BACK_BYTES);
    const length = position + 1 - readFrom;
    if (fs.readSync(fd, buffer, 0, length, readFrom) !== length) return null;
    let i = length - 1;
    const lowest = low - readFrom;
    while (i >= lowest) {
      const c = buffer[i];
      if (c >= 0x30 && c <= 0x39) {
        let v = c - 0x30;
        let scale = 10;
        let j = i - 1;
        for (let d; j >= 0 && (d = buffer[j]) >= 0x30 && d <= 0x39; j--) {
          v += (d - 0x30) * scale;
          scale *= 10;
        }
        // Too many digits, or more than the read-back window holds (which is more than 16).
        if (i - j > MAX_DIGITS || (j < 0 && readFrom > start)) return null;
        if (index === 0) return null; // more numbers than the header announces
        index--;
        const item = Math.floor(index / 3);
        const field = index - item * 3;
        if (v > limits[field]) return null;
        if (field === 2) {
          const ordinal = v / nodeFieldCount;
          if (ordinal !== Math.floor(ordinal)) return null;
          edgeTarget[item] = ordinal;
        } else if (field === 1) {
          edgeNameOrIndex[item] = v;
          nameOffset = readFrom + j + 1;
        } else {
          edgeType[item] = v;
          // Read backwards, a record's type comes after its name; ties go to the earlier record.
          const name = edgeNameOrIndex[item];
          if (isStringEdge[v] === 1 && name >= maxName.value) maxName = { value: name, item, offset: nameOffset };
        }
        i = j;
        continue;
      }
      if (c === COMMA || c === 0x0a || c === 0x20 || c === 0x0d || c === 0x09) { i--; continue; }
      return null;
    }
    position = readFrom + i;
  }
  const firstItem = Math.floor(index / 3);
  const firstName = index - firstItem * 3 === 1 ? { value: edgeNameOrIndex[firstItem], item: firstItem, offset: nameOffset } : null;
  return { begin, numbers: layout.edgeCount * 3 - index, maxName, firstName };
}

/**
 * The largest string index of the whole section, first in file order, once both sides are done:
 * the back side's first record counts if the front side read a string edge type for it.
 */
export function mergeEdgeNameMaximum(front: StringIndexMaximum, back: BackEdgesResult, layout: EdgeLayout): StringIndexMaximum {
  let backMax = back.maxName;
  const first = back.firstName;
  if (first !== null && layout.isStringEdge[layout.edgeType[first.item]] === 1 && first.value >= backMax.value) backMax = first;
  return backMax.value > front.value ? backMax : front;
}

/** What the edges worker needs to read its part of "edges" (the main thread reads the rest). */
export function edgeWorkerData(file: string, size: number, start: number, layout: EdgeLayout, claims: SharedArrayBuffer | null, claimBytes: number): EdgeWorkerData {
  return {
    file, start, size,
    // The budget counts from the '[' (start - 1), as the sequential parser does.
    limit: start - 1 + layout.maxSectionBytes,
    sectionTooLong: layout.sectionTooLong,
    edgeRoles: Array.from(layout.edgeRoles),
    edgeFieldNames: layout.edgeFieldNames,
    edgeLimits: layout.edgeLimits,
    edgeReasons: layout.edgeReasons,
    isStringEdge: Array.from(layout.isStringEdge),
    isEdgeTypeFirst: layout.isEdgeTypeFirst,
    edgeFieldCount: layout.edgeFieldCount,
    edgeCount: layout.edgeCount,
    nodeFieldCount: layout.nodeFieldCount,
    edgeType: layout.edgeType.buffer,
    edgeNameOrIndex: layout.edgeNameOrIndex.buffer,
    edgeTarget: layout.edgeTarget.buffer,
    claims,
    claimBytes,
  };
}
