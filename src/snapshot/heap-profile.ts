// Reading a sampling heap profile (`.heapprofile`): what V8's `HeapProfiler.stopSampling` returns and
// `node --heap-prof` or Chrome DevTools' "Allocation sampling" save. One JSON object:
//
//   {"head": {"callFrame": {functionName, scriptId, url, lineNumber, columnNumber}, selfSize, id,
//             children: [node, …]},
//    "samples": [{size, nodeId, ordinal}, …]}          (samples: absent from old producers)
//
// `head` is the call tree of the allocations still alive when sampling stopped: each node is a
// distinct stack, `selfSize` the sampled bytes allocated with that node's frame on top. Line and
// column are 0-based (-1 unknown) and give the function's position, not the allocating statement
// (V8 samples by function).
//
// The tree is flattened in depth-first preorder into columns (parent, frame, self size) by an
// explicit stack, so a hostile file nested a million deep costs memory, not the call stack. Call
// frames are interned: a profile has thousands of nodes but a few hundred distinct frames.
// Every value is checked as it is read; a bad one is one SnapshotFormatError naming where it is
// (`head.children[2].selfSize`). Cost: O(file bytes) to parse, O(nodes) to flatten.

import fs from 'node:fs';
import zlib from 'node:zlib';
import { LeakscopeError, SnapshotFormatError } from '../errors.ts';
import { openRegularFile, readAt } from '../input-file.ts';

/**
 * Profiles are small (a busy server's is a few MB); above this JSON.parse would need gigabytes and
 * Node cannot hold the text as one string anyway (2^29 characters), so refuse with a reason.
 */
export const MAX_HEAP_PROFILE_BYTES = 256 * 1024 * 1024;

export interface CallFrame {
  functionName: string;
  url: string;
  scriptId: string;
  /** 0-based, -1 when V8 does not know it. */
  lineNumber: number;
  columnNumber: number;
}

/** A sampling heap profile as columns; nodes are in depth-first preorder, node 0 is the root. */
export interface HeapProfile {
  file: string;
  nodeCount: number;
  /** Preorder index of each node's parent; -1 for the root. */
  parent: Int32Array;
  /** Index into `frames`. */
  frame: Uint32Array;
  /** Sampled bytes allocated with this node's frame on top and still alive at the end. */
  selfSize: Float64Array;
  /** Samples naming each node (0 everywhere when the file has no "samples"). */
  sampleCount: Uint32Array;
  /** The profile's own node ids, as written. */
  profileNodeId: Float64Array;
  frames: CallFrame[];
  sampleTotal: number;
  /** Sum of selfSize: the live sampled bytes. */
  totalSize: number;
}

/** Reads and checks a `.heapprofile` file, plain or gzipped. */
export function readHeapProfile(file: string): HeapProfile {
  const { fd, size } = openRegularFile(file, 'a heap profile');
  let bytes: Buffer;
  try {
    if (size > MAX_HEAP_PROFILE_BYTES) {
      throw new SnapshotFormatError(file, `${size} bytes is more than a sampling heap profile takes (at most ${MAX_HEAP_PROFILE_BYTES}); is this a heap snapshot? (leakscope top reads those)`);
    }
    bytes = readAt(fd, size, 0);
  } catch (error) {
    if (error instanceof LeakscopeError) throw error;
    throw new LeakscopeError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  } finally {
    fs.closeSync(fd);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    // Gzipped, as CI artifacts often are: inflated with a cap, so a gzip bomb is refused, not held.
    try {
      bytes = zlib.gunzipSync(bytes, { maxOutputLength: MAX_HEAP_PROFILE_BYTES });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new SnapshotFormatError(file, code === 'ERR_BUFFER_TOO_LARGE' ? `more than ${MAX_HEAP_PROFILE_BYTES} bytes once unzipped, not a sampling heap profile` : `not a readable gzip file (${(error as Error).message})`);
    }
  }
  return parseHeapProfile(bytes, file);
}

/** Parses profile text already in memory; `file` names it in errors. */
export function parseHeapProfile(text: string | Uint8Array, file = '<memory>'): HeapProfile {
  if (typeof text !== 'string' && text.length > MAX_HEAP_PROFILE_BYTES) {
    throw new SnapshotFormatError(file, `more than ${MAX_HEAP_PROFILE_BYTES} bytes, not a sampling heap profile`);
  }
  const source = typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.length).toString('utf8');
  if (/^\s*\{\s*"snapshot"/.test(source.slice(0, 64))) {
    throw new SnapshotFormatError(file, 'this is a heap snapshot, not a sampling heap profile (leakscope top, list, chain … read snapshots)');
  }
  let root: unknown;
  try {
    root = JSON.parse(source);
  } catch (error) {
    throw new SnapshotFormatError(file, `not a sampling heap profile: invalid JSON (${(error as Error).message})`);
  }
  return flattenProfile(root, file);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function flattenProfile(root: unknown, file: string): HeapProfile {
  const fail = (where: string, message: string): never => {
    throw new SnapshotFormatError(file, `not a sampling heap profile: ${where} ${message}`);
  };
  if (!isRecord(root)) fail('the file', 'is not a JSON object');
  const top = root as Record<string, unknown>;
  if (!isRecord(top.head)) fail('"head"', top.head === undefined ? 'is missing (a .heapprofile has {"head": {...}, "samples": [...]})' : 'is not an object');

  const parents: number[] = [];
  const frames: number[] = [];
  const sizes: number[] = [];
  const ids: number[] = [];
  const frameList: CallFrame[] = [];
  const frameIndex = new Map<string, number>();
  const indexOfId = new Map<number, number>();

  // Explicit stack of [node value, parent preorder index, position among its siblings]; children
  // pushed in reverse so they pop in order. The path for a message is rebuilt from the parents
  // only on failure: building it per node would cost the depth squared on a deep tree.
  const positions: number[] = [];
  const pathOf = (parent: number, position: number): string => {
    const steps: number[] = [];
    for (let n = parent; n > 0; n = parents[n]) steps.push(positions[n]);
    steps.reverse();
    if (position >= 0) steps.push(position);
    const shown = steps.length > 8 ? [...steps.slice(0, 3).map((c) => `.children[${c}]`), `…(${steps.length - 6} levels)…`, ...steps.slice(-3).map((c) => `.children[${c}]`)] : steps.map((c) => `.children[${c}]`);
    return `head${shown.join('')}`;
  };
  const stack: [unknown, number, number][] = [[top.head, -1, -1]];
  while (stack.length > 0) {
    const [value, parent, position] = stack.pop()!;
    const where = () => (parent < 0 ? 'head' : pathOf(parent, position));
    if (!isRecord(value)) fail(where(), 'is not an object');
    const node = value as Record<string, unknown>;
    const frame = readCallFrame(node.callFrame, where, fail);
    const key = `${frame.functionName}\0${frame.url}\0${frame.scriptId}\0${frame.lineNumber}\0${frame.columnNumber}`;
    let f = frameIndex.get(key);
    if (f === undefined) {
      f = frameList.length;
      frameIndex.set(key, f);
      frameList.push(frame);
    }
    const selfSize = node.selfSize;
    if (!isByteCount(selfSize)) fail(`${where()}.selfSize`, `is ${describe(selfSize)}, not a byte count from 0 to 2^53`);
    const id = node.id;
    if (!(typeof id === 'number' && Number.isSafeInteger(id) && id >= 0)) fail(`${where()}.id`, `is ${describe(id)}, not a whole number ≥ 0`);
    // A node id twice would let samples (and growth) count one stack as another: refuse it.
    if (indexOfId.has(id as number)) fail(`${where()}.id`, `${id} appears twice in the tree`);
    const index = parents.length;
    indexOfId.set(id as number, index);
    parents.push(parent);
    positions.push(position);
    frames.push(f);
    sizes.push(selfSize as number);
    ids.push(id as number);
    const children = node.children;
    if (children === undefined) continue;
    if (!Array.isArray(children)) fail(`${where()}.children`, 'is not an array');
    for (let c = (children as unknown[]).length - 1; c >= 0; c--) stack.push([(children as unknown[])[c], index, c]);
  }

  const nodeCount = parents.length;
  const sampleCount = new Uint32Array(nodeCount);
  let sampleTotal = 0;
  if (top.samples !== undefined) {
    if (!Array.isArray(top.samples)) fail('"samples"', 'is not an array');
    const samples = top.samples as unknown[];
    for (let s = 0; s < samples.length; s++) {
      const sample = samples[s];
      if (!isRecord(sample)) fail(`samples[${s}]`, 'is not an object');
      const { nodeId, size } = sample as Record<string, unknown>;
      if (!isByteCount(size)) fail(`samples[${s}].size`, `is ${describe(size)}, not a byte count from 0 to 2^53`);
      if (!(typeof nodeId === 'number' && Number.isSafeInteger(nodeId) && nodeId >= 0)) fail(`samples[${s}].nodeId`, `is ${describe(nodeId)}, not a whole number ≥ 0`);
      sampleTotal++;
      // Node 20's V8 writes some samples naming a node its tree left out (seen in real profiles):
      // counted in the total, attributed to no stack.
      const index = indexOfId.get(nodeId as number);
      if (index !== undefined) sampleCount[index]++;
    }
  }
  let totalSize = 0;
  for (const size of sizes) totalSize += size;
  return {
    file,
    nodeCount,
    parent: Int32Array.from(parents),
    frame: Uint32Array.from(frames),
    selfSize: Float64Array.from(sizes),
    sampleCount,
    profileNodeId: Float64Array.from(ids),
    frames: frameList,
    sampleTotal,
    totalSize,
  };
}

function readCallFrame(value: unknown, nodeWhere: () => string, fail: (where: string, message: string) => never): CallFrame {
  const where = () => `${nodeWhere()}.callFrame`;
  if (!isRecord(value)) return fail(where(), 'is not an object');
  const { functionName, url, scriptId, lineNumber, columnNumber } = value;
  if (typeof functionName !== 'string') fail(`${where()}.functionName`, `is ${describe(functionName)}, not a string`);
  if (typeof url !== 'string') fail(`${where()}.url`, `is ${describe(url)}, not a string`);
  // V8 writes scriptId as a string; older producers wrote a number.
  if (typeof scriptId !== 'string' && !(typeof scriptId === 'number' && Number.isSafeInteger(scriptId))) fail(`${where()}.scriptId`, `is ${describe(scriptId)}, not a string`);
  for (const [name, position] of [['lineNumber', lineNumber], ['columnNumber', columnNumber]] as const) {
    if (!(typeof position === 'number' && Number.isInteger(position) && position >= -1 && position <= 0xffffffff)) {
      fail(`${where()}.${name}`, `is ${describe(position)}, not a source position (a whole number ≥ -1)`);
    }
  }
  return { functionName: functionName as string, url: url as string, scriptId: String(scriptId), lineNumber: lineNumber as number, columnNumber: columnNumber as number };
}

function isByteCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A value as a message shows it: short, one line. */
function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}
