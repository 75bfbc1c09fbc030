// Small tools over typed arrays that the parser and the analyses share: a stable radix sort, for
// ordering millions of keys without comparison sorts or per-element objects, and doubling growth,
// for stacks and lists whose final size is unknown.

/** A copy of `array` in a new array twice as long (16 if empty), and at least `minLength` long. */
export function grownUint32(array: Uint32Array, minLength = 0): Uint32Array<ArrayBuffer> {
  const grown = new Uint32Array(Math.max(minLength, array.length * 2 || 16));
  grown.set(array);
  return grown;
}

/**
 * Positions 0..keys.length-1 ordered by key; equal keys keep their original order. A stable LSD
 * radix sort in two 16-bit passes: O(n) time, two n-sized index arrays.
 */
export function sortedPositions(keys: Uint32Array): Uint32Array {
  const n = keys.length;
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = keys[i - 1] <= keys[i];
  if (sorted) return order;
  let scratch = new Uint32Array(n);
  const counts = new Uint32Array(65537);
  for (const shift of [0, 16]) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((keys[order[i]] >>> shift) & 0xffff) + 1]++;
    for (let d = 0; d < 65536; d++) counts[d + 1] += counts[d];
    for (let i = 0; i < n; i++) {
      const position = order[i];
      scratch[counts[(keys[position] >>> shift) & 0xffff]++] = position;
    }
    [order, scratch] = [scratch, order];
  }
  return order;
}

/** What Node 20 offers and ES2022's lib does not declare: a resizable ArrayBuffer (ES2024). */
interface ResizableArrayBuffer extends ArrayBuffer {
  resize(byteLength: number): void;
}

/**
 * A Uint32Array whose memory `release()` returns to the system at once. A dead typed array is freed
 * only when the garbage collector next finds it, which in a phase that allocates little may be
 * after the next big array is allocated: two peaks in one. A resizable buffer shrunk to nothing
 * gives its pages back immediately (measured: 200 MB of RSS back on resize(0), Node 20).
 * Reads and writes through it cost a little more than through a plain array, so use it for
 * large transient arrays whose lifetime overlaps the next allocation.
 */
export function releasableUint32(length: number): { array: Uint32Array; release(): void } {
  const bytes = length * 4;
  const buffer = new (ArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => ResizableArrayBuffer)(bytes, { maxByteLength: bytes });
  return { array: new Uint32Array(buffer, 0, length), release: () => buffer.resize(0) };
}

/**
 * Shared memory of `byteLength` bytes whose first `touchedBytes` are already faulted in, so that the
 * thread that fills it later does not pay for fresh pages (seconds per GiB on a VM: docs/FORMAT.md
 * §8.5). Pages never touched cost nothing. The bytes stay zero.
 */
export function touchedSharedBuffer(byteLength: number, touchedBytes = byteLength): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(byteLength);
  touchPages(buffer, 0, touchedBytes);
  return buffer;
}

/**
 * Faults in the pages of bytes [from, to) of `buffer` by writing a zero into each 4 KiB page: only
 * for memory still zero that no other thread writes meanwhile.
 */
export function touchPages(buffer: ArrayBufferLike, from: number, to: number): void {
  const bytes = new Uint8Array(buffer);
  const end = Math.min(to, bytes.length);
  for (let k = from; k < end; k += 4096) bytes[k] = 0;
}

/** Position of `value` in an ascending array (any one, if repeated), or -1: a binary search. */
export function indexInSorted(sorted: Uint32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid];
    if (v === value) return mid;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
