// Where live memory was allocated, from a sampling heap profile (src/snapshot/heap-profile.ts).
//
// - Allocation sites: the call tree folded by call frame (function, url, line, column), as DevTools'
//   "Bottom-Up" view does: a site's self size is the bytes allocated with it on top of the stack;
//   its total size the bytes allocated while it was anywhere on the stack, counted once per stack
//   (a recursive function's inner calls are already inside its outer call's subtree).
// - Stacks: each call-tree node with self bytes is one distinct stack; the heaviest come first.
// - Growth: two or more profiles of one process, compared site by site (scriptIds are left out of a
//   site's identity: they differ between processes and say nothing a url and position do not).
// Cost: O(nodes) per profile, with a per-site depth counter instead of a set per stack.

import type { CallFrame, HeapProfile } from '../snapshot/heap-profile.ts';
import type { LocationMapper } from './original-locations.ts';

/** The root is V8's "(root)" frame, on every stack; it is not where anything was allocated. */
const ROOT = 0;

export interface AllocationSiteStats {
  site: CallFrame;
  selfSize: number;
  totalSize: number;
  samples: number;
}

export interface HeapProfileSummaryResult {
  /** Heaviest self size first (ties: heaviest total, then name). */
  sites: AllocationSiteStats[];
  /** Call-tree nodes with self bytes, heaviest first. */
  stackNodes: Uint32Array;
  totalSize: number;
  sampleTotal: number;
}

export interface SiteGrowth {
  site: CallFrame;
  /** Self size in each profile, in the order given. */
  selfSizes: number[];
  /** Last minus first. */
  delta: number;
}

export interface ProfileGrowthResult {
  /** Sites whose self size changed, the largest increase first. */
  sites: SiteGrowth[];
  totalSizes: number[];
}

/** The identity of an allocation site across profiles of one program. */
export function siteKey(frame: CallFrame): string {
  return `${frame.functionName}\0${frame.url}\0${frame.lineNumber}\0${frame.columnNumber}`;
}

/** Allocation sites and stacks of one profile. */
export function summarizeHeapProfile(profile: HeapProfile): HeapProfileSummaryResult {
  const { nodeCount, parent, frame, selfSize, sampleCount, frames } = profile;
  // Sites by frame: frames that differ only by scriptId are one site.
  const siteOfFrame = new Uint32Array(frames.length);
  const siteFrames: CallFrame[] = [];
  const siteByKey = new Map<string, number>();
  frames.forEach((f, i) => {
    const key = siteKey(f);
    let s = siteByKey.get(key);
    if (s === undefined) {
      s = siteFrames.length;
      siteByKey.set(key, s);
      siteFrames.push(f);
    }
    siteOfFrame[i] = s;
  });

  // Subtree totals: in preorder every child comes after its parent, so one backward pass adds up.
  const subtree = Float64Array.from(selfSize);
  for (let n = nodeCount - 1; n > ROOT; n--) subtree[parent[n]] += subtree[n];

  const siteSelf = new Float64Array(siteFrames.length);
  const siteTotal = new Float64Array(siteFrames.length);
  const siteSamples = new Float64Array(siteFrames.length);
  // Walk preorder keeping the current stack; onStack[s] counts site s's frames on it, so a site's
  // total takes only its outermost frame's subtree.
  const onStack = new Uint32Array(siteFrames.length);
  const stack: number[] = [];
  for (let n = ROOT + 1; n < nodeCount; n++) {
    while (stack.length > 0 && stack[stack.length - 1] !== parent[n]) onStack[siteOfFrame[frame[stack.pop()!]]]--;
    const s = siteOfFrame[frame[n]];
    siteSelf[s] += selfSize[n];
    siteSamples[s] += sampleCount[n];
    if (onStack[s] === 0) siteTotal[s] += subtree[n];
    onStack[s]++;
    stack.push(n);
  }

  const sites: AllocationSiteStats[] = [];
  for (let s = 0; s < siteFrames.length; s++) {
    if (siteTotal[s] === 0) continue;
    sites.push({ site: siteFrames[s], selfSize: siteSelf[s], totalSize: siteTotal[s], samples: siteSamples[s] });
  }
  sites.sort((a, b) => b.selfSize - a.selfSize || b.totalSize - a.totalSize || compareFrames(a.site, b.site));

  const withSelf: number[] = [];
  for (let n = ROOT + 1; n < nodeCount; n++) if (selfSize[n] > 0) withSelf.push(n);
  withSelf.sort((a, b) => selfSize[b] - selfSize[a] || a - b);
  return { sites, stackNodes: Uint32Array.from(withSelf), totalSize: profile.totalSize, sampleTotal: profile.sampleTotal };
}

/** The frames of a node's stack, the allocating one first, the root left out. */
export function stackFrames(profile: HeapProfile, node: number): CallFrame[] {
  const out: CallFrame[] = [];
  for (let n = node; n > ROOT; n = profile.parent[n]) out.push(profile.frames[profile.frame[n]]);
  return out;
}

/**
 * The profile with each frame's place replaced by the original one `mapper` knows (source maps of
 * compiled or bundled scripts); frames it does not know stay as they are. Frames that map to one
 * place become one allocation site.
 */
export function mapProfileLocations(profile: HeapProfile, mapper: LocationMapper): HeapProfile {
  const frames = profile.frames.map((frame) => {
    if (frame.url === '' || frame.lineNumber < 0) return frame;
    const original = mapper(frame.url, frame.lineNumber + 1, Math.max(frame.columnNumber, 0) + 1);
    return original === null ? frame : { ...frame, url: original.url, lineNumber: original.line - 1, columnNumber: original.column - 1 };
  });
  return { ...profile, frames };
}

/** Self size by site across profiles of one process: what grew between the first and the last. */
export function computeProfileGrowth(profiles: HeapProfile[]): ProfileGrowthResult {
  const rows = new Map<string, SiteGrowth>();
  profiles.forEach((profile, p) => {
    for (const stats of summarizeHeapProfile(profile).sites) {
      const key = siteKey(stats.site);
      let row = rows.get(key);
      if (row === undefined) {
        row = { site: stats.site, selfSizes: new Array<number>(profiles.length).fill(0), delta: 0 };
        rows.set(key, row);
      }
      row.selfSizes[p] = stats.selfSize;
    }
  });
  const sites = [...rows.values()];
  for (const row of sites) row.delta = row.selfSizes[row.selfSizes.length - 1] - row.selfSizes[0];
  return {
    sites: sites.filter((row) => row.selfSizes.some((size) => size !== row.selfSizes[0]))
      .sort((a, b) => b.delta - a.delta || compareFrames(a.site, b.site)),
    totalSizes: profiles.map((profile) => profile.totalSize),
  };
}

function compareFrames(a: CallFrame, b: CallFrame): number {
  return a.functionName.localeCompare(b.functionName) || a.url.localeCompare(b.url) || a.lineNumber - b.lineNumber || a.columnNumber - b.columnNumber;
}
