// bench/programs/bcd-cache.mjs — a realistic heap for the benchmark, adapted from the shared corpus's
// large/bcd-cache-program.mjs. Usage: COPIES=n node bcd-cache.mjs FILE
//
// A "compat-data cache service": it loads COPIES independent copies of a real dataset shipped on npm
// — @mdn/browser-compat-data's data.json (20 MB of JSON, a devDependency pinned exactly so that the
// heap is the same on every machine) — as if each were a different release, wraps each in a
// `DatasetRelease`, and builds per-release indexes (Map feature path -> CompatFeature, Map browser ->
// Set of feature paths). Then it writes one heap snapshot. One copy gives ~80 MB of snapshot
// (~1 M nodes); the shape is that of real data: deep nesting, many short strings, Maps and Sets.
// Unlike the corpus version it does not load caniuse-lite (not a dependency of this project).
import fs from 'node:fs';
import v8 from 'node:v8';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const COPIES = Number(process.env.COPIES || 1);
const out = process.argv[2];
if (!out || !(COPIES > 0)) {
  process.stderr.write('usage: COPIES=n node bcd-cache.mjs FILE\n');
  process.exit(2);
}
// The package's main entry is data.json itself: read it as text so every copy is a fresh parse.
const raw = fs.readFileSync(require.resolve('@mdn/browser-compat-data'), 'utf8');

class CompatFeature {
  constructor(path, compat) {
    this.path = path;
    this.description = compat.description || null;
    this.mdnUrl = compat.mdn_url || null;
    this.status = compat.status || null;
    this.support = compat.support;
  }
}
class DatasetRelease {
  constructor(version, data) {
    this.version = version;
    this.loadedAt = new Date();
    this.data = data;
    this.features = new Map(); // path -> CompatFeature
    this.byBrowser = new Map(); // browser -> Set(path)
  }
}
function index(release, node, prefix) {
  for (const [k, v] of Object.entries(node)) {
    if (k === '__compat' || !v || typeof v !== 'object') continue;
    const path = prefix ? `${prefix}.${k}` : k;
    if (v.__compat) {
      release.features.set(path, new CompatFeature(path, v.__compat));
      for (const browser of Object.keys(v.__compat.support || {})) {
        let s = release.byBrowser.get(browser);
        if (!s) release.byBrowser.set(browser, (s = new Set()));
        s.add(path);
      }
    }
    index(release, v, path);
  }
}

const releases = [];
globalThis.releases = releases;
for (let i = 0; i < COPIES; i++) {
  const data = JSON.parse(raw);
  const r = new DatasetRelease(`${data.__meta?.version || 'bcd'}+copy${i}`, data);
  for (const top of Object.keys(data)) if (top !== '__meta') index(r, data[top], top);
  releases.push(r);
}
globalThis.gc?.();
const t0 = Date.now();
v8.writeHeapSnapshot(out);
process.stdout.write(JSON.stringify({ COPIES, featuresPerRelease: releases[0].features.size, writeMs: Date.now() - t0 }) + '\n');
