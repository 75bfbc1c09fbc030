// Reading a snapshot file into a HeapGraph: positioned reads into one reusable buffer, fed to the
// streaming parser. Gzipped snapshots (`.heapsnapshot.gz`, common as CI artifacts) are recognised by
// their magic bytes and streamed through zlib instead.

import fs from 'node:fs';
import zlib from 'node:zlib';
import { LeakscopeError, SnapshotFormatError } from '../errors.ts';
import { HeapGraph } from './heap-graph.ts';
import { SnapshotParser, type ParsedSnapshot } from './parser.ts';
import { StringTable } from './string-table.ts';

/** 8 MiB: large enough that the per-read syscall cost vanishes, small enough to stay in cache-friendly territory. */
const CHUNK_BYTES = 8 * 1024 * 1024;

export interface LoadOptions {
  /** Called after every chunk with bytes read so far and the file size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export async function loadSnapshot(file: string, options: LoadOptions = {}): Promise<HeapGraph> {
  const started = performance.now();
  const { size, gzipped } = inspectFile(file);
  const parsed = gzipped
    ? await parseGzipFile(file, size, options)
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

function inspectFile(file: string): { size: number; gzipped: boolean } {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LeakscopeError(`${file}: no such file`);
    if (code === 'EACCES') throw new LeakscopeError(`${file}: permission denied`);
    throw new LeakscopeError(`${file}: cannot read (${code ?? String(error)})`);
  }
  if (stat.isDirectory()) throw new LeakscopeError(`${file}: is a directory, not a snapshot file`);
  if (!stat.isFile()) throw new LeakscopeError(`${file}: not a regular file`);
  if (stat.size === 0) throw new SnapshotFormatError(file, 'empty file, not a heap snapshot');
  const magic = Buffer.alloc(2);
  const fd = openForRead(file);
  try {
    fs.readSync(fd, magic, 0, 2, 0);
  } finally {
    fs.closeSync(fd);
  }
  return { size: stat.size, gzipped: magic[0] === 0x1f && magic[1] === 0x8b };
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
    throw new SnapshotFormatError(file, `damaged gzip data (${(error as Error).message})`);
  } finally {
    input.destroy();
    gunzip.destroy();
  }
  return parser.finish();
}

function buildGraph(parsed: ParsedSnapshot, file: string, fileSize: number, parseMs: number): HeapGraph {
  const nodeCount = parsed.nodeType.length;
  const firstEdge = new Uint32Array(nodeCount + 1);
  const edgeCounts = parsed.nodeEdgeCount;
  for (let k = 0; k < nodeCount; k++) firstEdge[k + 1] = firstEdge[k] + edgeCounts[k];

  const nodeLocation = new Int32Array(nodeCount).fill(-1);
  for (let i = 0; i < parsed.locationCount; i++) nodeLocation[parsed.locObject[i]] = i;

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
    detachedness: parsed.detachedness,
    traceNodeId: parsed.traceNodeId,
    firstEdge,
    edgeType: parsed.edgeType,
    edgeNameOrIndex: parsed.edgeNameOrIndex,
    edgeTarget: parsed.edgeTarget,
    nodeLocation,
    locScriptId: parsed.locScriptId,
    locLine: parsed.locLine,
    locColumn: parsed.locColumn,
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
      locationCount: parsed.locationCount,
      sections: parsed.sections,
    },
  });
}
