// Reading a snapshot file into a HeapGraph: positioned reads into one reusable buffer, fed to the
// streaming parser. Gzipped snapshots (`.heapsnapshot.gz`, common as CI artifacts) are recognised by
// their magic bytes and streamed through zlib instead.

import fs from 'node:fs';
import zlib from 'node:zlib';
import type { Worker } from 'node:worker_threads';
import { siblingModule, startModuleWorker } from '../workers/start.ts';
import { LeakscopeError, SnapshotFormatError } from '../errors.ts';
import { openRegularFile, readAt } from '../input-file.ts';
import { HeapGraph } from './heap-graph.ts';
import { SnapshotParser, type EdgeLayout, type ParsedSnapshot } from './parser.ts';
import { createEdgeClaims, EDGE_CLAIM_BYTES, isStandardEdgeLayout, mergeEdgeNameMaximum, parseEdgesFromBack, edgeWorkerData, type FrontEdgesResult } from './edge-decoding.ts';
import { StringTable } from './string-table.ts';
import { sortedPositions } from './typed-arrays.ts';

/** 8 MiB: large enough that the per-read syscall cost vanishes, small enough to stay in cache-friendly territory. */
const CHUNK_BYTES = 8 * 1024 * 1024;

export interface LoadOptions {
  /** Called after every chunk with bytes read so far and the file size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /**
   * Plain (not gzipped) files of at least this many bytes have their "edges" section parsed by a
   * worker thread while this thread parses the rest. Default 64 MiB; Infinity disables it.
   */
  parallelEdgesMinBytes?: number;
  /** Bytes per chunk the two sides of "edges" claim (edge-decoding.ts); tests make it small. */
  edgeClaimBytes?: number;
}

const PARALLEL_EDGES_MIN_BYTES = 64 * 1024 * 1024;

export async function loadSnapshot(file: string, options: LoadOptions = {}): Promise<HeapGraph> {
  const started = performance.now();
  const { size, gzipped } = inspectFile(file);
  const parsed = gzipped
    ? await parseGzipFile(file, size, options)
    : size >= (options.parallelEdgesMinBytes ?? PARALLEL_EDGES_MIN_BYTES)
      ? await parseFileParallel(file, size, options)
      : parseFile(file, size, options);
  return buildGraph(parsed, file, size, performance.now() - started);
}

/** Parses snapshot text already in memory (tests, tools that produce snapshots in-process). */
export function parseSnapshotText(text: string | Uint8Array, label = '<memory>'): HeapGraph {
  const started = performance.now();
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const parser = new SnapshotParser(label, bytes.length);
  parser.feed(bytes);
  return buildGraph(parser.finish(), label, bytes.length, performance.now() - started);
}

/**
 * Throws the LeakscopeError loadSnapshot would give for a file that is missing, unreadable, not a
 * regular file or empty; cheap (a stat and two bytes), so callers can check every input up front.
 * Returns the file's size in bytes.
 */
export function checkSnapshotFile(file: string): number {
  return inspectFile(file).size;
}

function inspectFile(file: string): { size: number; gzipped: boolean } {
  const { fd, size } = openRegularFile(file, 'a snapshot file');
  try {
    if (size === 0) throw new SnapshotFormatError(file, 'empty file, not a heap snapshot');
    const magic = readAt(fd, 2, 0);
    return { size, gzipped: magic[0] === 0x1f && magic[1] === 0x8b };
  } finally {
    fs.closeSync(fd);
  }
}

function openForRead(file: string): number {
  try {
    return fs.openSync(file, 'r');
  } catch (error) {
    throw new LeakscopeError(`${file}: cannot open (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

function parseFile(file: string, size: number, options: LoadOptions): ParsedSnapshot {
  const parser = new SnapshotParser(file, size);
  const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, size));
  const fd = openForRead(file);
  try {
    let position = 0;
    while (position < size) {
      const read = fs.readSync(fd, buffer, 0, buffer.length, position);
      if (read === 0) break; // the file shrank while we read it; finish() reports the truncation
      parser.feed(read === buffer.length ? buffer : buffer.subarray(0, read));
      position += read;
      options.onProgress?.(position, size);
    }
  } finally {
    fs.closeSync(fd);
  }
  return parser.finish();
}

/** The worker could not run (not a format error): parse sequentially instead. */
class EdgeWorkerUnavailable extends Error {}

interface EdgeWorker {
  /** Rejects with SnapshotFormatError or EdgeWorkerUnavailable. */
  result: Promise<FrontEdgesResult>;
  terminate(): void;
}

function startEdgeWorker(file: string, start: number, size: number, layout: EdgeLayout, claims: SharedArrayBuffer | null, claimBytes: number): EdgeWorker {
  let worker: Worker;
  try {
    const workerData = edgeWorkerData(file, size, start, layout, claims, claimBytes);
    worker = startModuleWorker(siblingModule(import.meta.url, 'edges-worker'), { workerData });
  } catch (error) {
    return { result: Promise.reject(new EdgeWorkerUnavailable(String(error))), terminate() {} };
  }
  const result = new Promise<FrontEdgesResult>((resolve, reject) => {
    let settled = false;
    worker.once('message', (message: { ok: boolean; result?: FrontEdgesResult; message?: string; offset?: number; crash?: string }) => {
      settled = true;
      if (message.ok) resolve(message.result!);
      else if (message.message !== undefined) reject(new SnapshotFormatError(file, message.message, message.offset));
      else reject(new EdgeWorkerUnavailable(message.crash ?? 'edges worker failed'));
    });
    worker.once('error', (error) => { if (!settled) { settled = true; reject(new EdgeWorkerUnavailable(String(error))); } });
    worker.once('exit', (code) => { if (!settled) { settled = true; reject(new EdgeWorkerUnavailable(`edges worker exited with code ${code}`)); } });
  });
  result.catch(() => {}); // observed by the caller; never an unhandled rejection
  return { result, terminate: () => { void worker.terminate(); } };
}

/** Offset of the first byte equal to `byte` at or after `from`, or -1; reads with a private buffer. */
function scanFor(fd: number, size: number, from: number, byte: number, buffer: Buffer): number {
  let position = from;
  while (position < size) {
    const read = fs.readSync(fd, buffer, 0, Math.min(buffer.length, size - position), position);
    if (read === 0) return -1;
    const hit = buffer.subarray(0, read).indexOf(byte);
    if (hit !== -1) return position + hit;
    position += read;
  }
  return -1;
}

/**
 * Offset of the '[' opening "edges" when the key right after "nodes" is "edges", else -1.
 * The nodes array holds only digits, commas and whitespace, so its first '"' starts the next key.
 */
function locateEdgesOpen(fd: number, size: number, nodesValue: number, buffer: Buffer): number {
  const quote = scanFor(fd, size, nodesValue, 0x22, buffer);
  if (quote === -1) return -1;
  const head = Buffer.alloc(64);
  const read = fs.readSync(fd, head, 0, Math.min(head.length, size - quote), quote);
  const text = head.toString('latin1', 0, read);
  const match = /^"edges"[ \t\r\n]*:[ \t\r\n]*\[/.exec(text);
  return match ? quote + match[0].length - 1 : -1;
}

/** Offset of the ']' closing "edges" (the last ']' before the next '"'), or -1 when not plain. */
function locateEdgesClose(fd: number, size: number, from: number, buffer: Buffer): number {
  const quote = scanFor(fd, size, from, 0x22, buffer);
  const end = quote === -1 ? size : quote;
  // Search backwards from the next key for the bracket: only whitespace and a comma lie between.
  const tail = Math.max(from, end - 4096);
  const read = fs.readSync(fd, buffer, 0, end - tail, tail);
  const hit = buffer.subarray(0, read).lastIndexOf(0x5d);
  return hit === -1 ? -1 : tail + hit;
}

/**
 * Plain files: this thread parses everything but "edges", which a worker parses concurrently into
 * shared columns; then this thread reads "edges" from its ']' backwards until it meets the worker
 * (edge-decoding.ts). Falls back to the sequential parser when the layout is unusual (edges not
 * right after nodes, tiny sections) or the worker cannot run, and for the error when this thread's
 * part of "edges" is bad. Errors are those of the sequential parser.
 */
async function parseFileParallel(file: string, size: number, options: LoadOptions): Promise<ParsedSnapshot> {
  let nodesValue = -1;
  const parser = new SnapshotParser(file, size, { sharedColumns: true, onSection: (key, offset) => { if (key === 'nodes') nodesValue = offset; } });
  const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, size));
  const fd = openForRead(file);
  let worker: EdgeWorker | null = null;
  let edgesOpen = -1;
  let edgesClose = -1;
  let decided = false;
  let layout: EdgeLayout | null = null;
  let claims: Int32Array | null = null;
  const claimBytes = options.edgeClaimBytes ?? EDGE_CLAIM_BYTES;
  try {
    let position = 0;
    try {
      while (position < size) {
        let limit = size;
        // Until "nodes" begins, feed small pieces: the edges must be located before they are fed.
        if (!decided) limit = Math.min(size, position + 64 * 1024);
        if (worker !== null && position <= edgesOpen) limit = Math.min(limit, edgesOpen + 1);
        const read = fs.readSync(fd, buffer, 0, Math.min(buffer.length, limit - position), position);
        if (read === 0) break; // the file shrank while we read it; finish() reports the truncation
        parser.feed(buffer.subarray(0, read));
        position += read;
        options.onProgress?.(position, size);
        if (!decided && nodesValue >= 0) {
          decided = true;
          layout = parser.edgeLayout();
          edgesOpen = layout === null ? -1 : locateEdgesOpen(fd, size, nodesValue, buffer);
          if (layout !== null && edgesOpen >= position) {
            const claimTable = isStandardEdgeLayout(layout) ? createEdgeClaims(edgesOpen + 1, size, claimBytes) : null;
            claims = claimTable === null ? null : new Int32Array(claimTable);
            worker = startEdgeWorker(file, edgesOpen + 1, size, layout, claimTable, claimBytes);
          }
        }
        if (worker !== null && position === edgesOpen + 1) {
          edgesClose = locateEdgesClose(fd, size, position, buffer);
          // No plain closing bracket: the worker finds what is wrong (or where it really ends).
          if (edgesClose === -1) edgesClose = (await worker.result).close;
          parser.skipEdges(edgesClose);
          position = edgesClose;
        }
      }
      // No worker (unusual layout: everything was parsed here), or the file ended before the edges.
      if (worker === null || edgesClose === -1) return parser.finish();
      // Everything else is parsed: help with the edges from their end while the worker goes on.
      const back = claims === null ? null : parseEdgesFromBack(fd, layout!, edgesOpen + 1, edgesClose, claims, claimBytes);
      const front = await worker.result;
      if (front.close !== -1) {
        if (front.close !== edgesClose) throw new SnapshotFormatError(file, `unexpected ']' in "edges" (only unsigned integers are allowed)`, edgesClose);
        parser.adoptEdgeNameMaximum(front.maxName);
        return parser.finish();
      }
      // The worker stopped where this thread's chunks begin: the two parts must make one section.
      if (back === null || back.begin !== front.end || front.numbers + back.numbers !== layout!.edgeCount * 3) {
        return parseFile(file, size, options);
      }
      parser.adoptEdgeNameMaximum(mergeEdgeNameMaximum(front.maxName, back, layout!));
      return parser.finish();
    } catch (error) {
      if (error instanceof EdgeWorkerUnavailable) {
        worker?.terminate();
        worker = null;
        return parseFile(file, size, options);
      }
      // An error after the edges' start: an error inside the edges comes first in the file.
      if (worker !== null && error instanceof SnapshotFormatError && (error.offset === undefined || error.offset > edgesOpen)) {
        try {
          await worker.result;
        } catch (edgeError) {
          if (edgeError instanceof SnapshotFormatError) throw edgeError;
        }
      }
      throw error;
    }
  } finally {
    worker?.terminate();
    fs.closeSync(fd);
  }
}

/**
 * Inflates chunk by chunk into the parser, which bounds each section by the header's counts: a
 * gzip bomb is refused, naming the section, after inflating no more than those counts allow.
 */
async function parseGzipFile(file: string, compressedSize: number, options: LoadOptions): Promise<ParsedSnapshot> {
  const parser = new SnapshotParser(file);
  const input = fs.createReadStream(file, { highWaterMark: 1024 * 1024 });
  const gunzip = zlib.createGunzip({ chunkSize: 1024 * 1024 });
  let compressedRead = 0;
  input.on('data', (chunk) => { compressedRead += chunk.length; });
  input.pipe(gunzip);
  try {
    for await (const chunk of gunzip) {
      parser.feed(chunk as Buffer);
      options.onProgress?.(compressedRead, compressedSize);
    }
  } catch (error) {
    if (error instanceof LeakscopeError) throw error;
    // Only zlib's own errors mean damaged data; anything else is ours and must not hide as one.
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw new SnapshotFormatError(file, `damaged gzip data (${(error as Error).message})`);
    if (typeof code === 'string') throw new LeakscopeError(`${file}: cannot read (${code})`);
    throw error;
  } finally {
    input.destroy();
    gunzip.destroy();
  }
  return parser.finish();
}

function buildGraph(parsed: ParsedSnapshot, file: string, fileSize: number, parseMs: number): HeapGraph {
  const nodeCount = parsed.nodeType.length;
  // Edge counts become first-edge offsets in place (the parser left a spare slot): no second N-array.
  const firstEdge = parsed.nodeEdgeCount;
  let edgeSum = 0;
  for (let k = 0; k < nodeCount; k++) {
    const count = firstEdge[k];
    firstEdge[k] = edgeSum;
    edgeSum += count;
  }
  firstEdge[nodeCount] = edgeSum;

  const locations = sortLocations(parsed);

  const nodeFieldCount = parsed.meta.node_fields.length;
  const rootIndex = typeof parsed.header.root_index === 'number' ? parsed.header.root_index : 0;
  const rootOrdinal = rootIndex / nodeFieldCount;
  if (!Number.isInteger(rootOrdinal) || rootOrdinal < 0 || rootOrdinal >= nodeCount) {
    throw new SnapshotFormatError(file, `root_index ${rootIndex} is not a node`);
  }
  const extra = parsed.header.extra_native_bytes;
  const traceFunctionCount = parsed.header.trace_function_count;
  return new HeapGraph({
    nodeType: parsed.nodeType,
    nodeName: parsed.nodeName,
    nodeId: parsed.nodeId,
    selfSize: parsed.selfSize,
    attachedNodes: parsed.attachedNodes,
    detachedNodes: parsed.detachedNodes,
    traceNodeId: parsed.traceNodeId,
    firstEdge,
    edgeType: parsed.edgeType,
    edgeNameOrIndex: parsed.edgeNameOrIndex,
    edgeTarget: parsed.edgeTarget,
    ...locations,
    strings: new StringTable(parsed.stringBytes, parsed.stringOffsets),
    nodeTypeNames: parsed.nodeTypeNames,
    edgeTypeNames: parsed.edgeTypeNames,
    rootOrdinal,
    source: {
      file,
      fileSize,
      parseMs,
      meta: parsed.meta,
      extraNativeBytes: typeof extra === 'number' && extra >= 0 ? extra : 0,
      traceFunctionCount: typeof traceFunctionCount === 'number' ? traceFunctionCount : 0,
      locationCount: locations.locObject.length,
      sections: parsed.sections,
    },
  });
}

/**
 * Location records ordered by node ordinal (V8 writes them in heap-iteration order), in arrays of
 * exactly their length. A node listed twice keeps its last record, as a per-node index would.
 */
function sortLocations(parsed: ParsedSnapshot) {
  const order = sortedPositions(parsed.locObject);
  let count = 0;
  for (let k = 0; k < order.length; k++) {
    const isLastOfNode = k + 1 === order.length || parsed.locObject[order[k + 1]] !== parsed.locObject[order[k]];
    if (isLastOfNode) order[count++] = order[k];
  }
  const pick = (column: Uint32Array) => {
    const picked = new Uint32Array(count);
    for (let k = 0; k < count; k++) picked[k] = column[order[k]];
    return picked;
  };
  return {
    locObject: pick(parsed.locObject),
    locScriptId: pick(parsed.locScriptId),
    locLine: pick(parsed.locLine),
    locColumn: pick(parsed.locColumn),
  };
}
