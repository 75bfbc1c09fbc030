// The `top` table (one row per class) and the `list` table (one row per instance), as text lines and
// JSON, from rows already computed. Both can hold hundreds of thousands of rows (`--limit 0`): text
// comes as lines and JSON as values for the chunked writers, never one string.

import type { ClassSummary } from '../analysis/histogram.ts';
import { isUserDistance } from '../analysis/distances.ts';
import { formatBytes, MINUS_SIGN } from './format.ts';
import { renderTableLines } from './table.ts';
import type { Style } from './style.ts';
import type { AllocationFrame } from '../analysis/allocation-sites.ts';
import { allocationFrameToJson, formatAllocationStack } from './allocation-sites.ts';

/** DevTools prints a distance only for objects reachable from a global; "−" otherwise. */
export function formatDistance(distance: number): string {
  return isUserDistance(distance) ? String(distance) : MINUS_SIGN;
}

/** A distance in JSON: null where DevTools prints none. */
function distanceToJson(distance: number): number | null {
  return isUserDistance(distance) ? distance : null;
}

/** `top`'s rows: class, count, distance, self and retained size. */
export function classTableLines(classes: ClassSummary[], style: Style): Iterable<string> {
  return renderTableLines({
    head: ['Class', 'Count', 'Distance', 'Self size', 'Retained size'],
    rows: classes.map((c) => [c.name, c.count, formatDistance(c.distance), formatBytes(c.selfSize), formatBytes(c.retainedSize)]),
    align: ['left', 'right', 'right', 'right', 'right'],
    style,
  });
}

export function classesToJson(classes: ClassSummary[]) {
  return classes.map((c) => ({ name: c.name, count: c.count, selfSize: c.selfSize, retainedSize: c.retainedSize, distance: distanceToJson(c.distance) }));
}

/** One instance, as `list` shows it. */
export interface InstanceRow {
  id: number;
  selfSize: number;
  retainedSize: number;
  distance: number;
  preview: string;
  /** Where it was allocated, top frame first; absent when the snapshot has no allocation stacks. */
  allocatedIn?: AllocationFrame[];
}

/** `list`'s rows: @id, distance, self and retained size, preview (and the allocating function, when known; paths relative to `baseDir`). */
export function instanceTableLines(rows: InstanceRow[], style: Style, baseDir?: string): Iterable<string> {
  const hasAllocations = rows.some((o) => o.allocatedIn !== undefined);
  return renderTableLines({
    head: ['Id', 'Distance', 'Self size', 'Retained size', 'Preview', ...(hasAllocations ? ['Allocated in'] : [])],
    rows: rows.map((o) => [`@${o.id}`, formatDistance(o.distance), formatBytes(o.selfSize), formatBytes(o.retainedSize), o.preview,
      ...(hasAllocations ? [formatAllocationStack((o.allocatedIn ?? []).slice(0, 1), baseDir)] : [])]),
    align: ['right', 'right', 'right', 'right', 'left', 'left'],
    style,
  });
}

export function instancesToJson(rows: InstanceRow[]) {
  return rows.map((o) => ({
    id: o.id, selfSize: o.selfSize, retainedSize: o.retainedSize, distance: distanceToJson(o.distance), preview: o.preview,
    ...(o.allocatedIn === undefined ? {} : { allocatedIn: o.allocatedIn.map(allocationFrameToJson) }),
  }));
}
