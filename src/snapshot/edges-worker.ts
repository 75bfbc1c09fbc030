// Worker thread: parses the "edges" section of a plain snapshot file into shared typed arrays while
// the main thread parses everything else (load.ts, parseFileParallel). Its messages are the
// parser's own (outOfRangeMessage, describeByte), so both paths report a bad file alike.
//
// Input (workerData): the file, the offset just after the section's '[', the file size, the offset
// the section must close before (its byte budget, EdgeLayout.maxSectionBytes) with the refusal's
// text, the edge field roles (EdgeRole in parser.ts: 0 type, 1 name_or_index, 2 to_node, 3 ignored),
// the parser's per-field checks (EdgeLayout: names, limits, reasons, which edge types name strings)
// and the SharedArrayBuffer-backed columns. Output: one message, either { ok: true, close, maxName } with the
// offset of the closing ']' and the largest string index seen (StringIndexMaximum), or
// { ok: false, message, offset } with exactly the message and byte offset the sequential parser
// (SnapshotParser#feedNumbers / #storeEdgeField / #endNumbers / finish) would give.

import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { describeByte, outOfRangeMessage } from './parser.ts';

const COMMA = 0x2c;
const RBRACKET = 0x5d;
const MAX_DIGITS = 16;
const CHUNK_BYTES = 4 * 1024 * 1024;

class EdgeFormatError extends Error {
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
}

function parseEdges(data: EdgeWorkerData): { close: number; maxName: { value: number; item: number; offset: number } } {
  const { file, start, size, limit, sectionTooLong, edgeRoles, edgeFieldCount, edgeCount, nodeFieldCount, edgeFieldNames, edgeReasons, isEdgeTypeFirst } = data;
  const limits = Float64Array.from(data.edgeLimits);
  const isStringEdge = Uint8Array.from(data.isStringEdge);
  const maxName = { value: -1, item: -1, offset: -1 };
  const edgeType = new Uint8Array(data.edgeType);
  const edgeNameOrIndex = new Uint32Array(data.edgeNameOrIndex);
  const edgeTarget = new Uint32Array(data.edgeTarget);
  const roles = Uint8Array.from(edgeRoles);
  const standard = edgeFieldCount === 3 && roles[0] === 0 && roles[1] === 1 && roles[2] === 2;
  const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK_BYTES, size - start)));
  const fd = fs.openSync(file, 'r');
  let digits = 0;
  let field = 0;
  let item = 0;
  let position = start;

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
      let i = 0;
      while (i < n) {
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
          return { close: base + i, maxName };
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

try {
  const { close, maxName } = parseEdges(workerData as EdgeWorkerData);
  parentPort!.postMessage({ ok: true, close, maxName });
} catch (error) {
  if (error instanceof EdgeFormatError) parentPort!.postMessage({ ok: false, message: error.message, offset: error.offset });
  else parentPort!.postMessage({ ok: false, crash: String(error instanceof Error && error.stack ? error.stack : error) });
}
