// The library API in one runnable script: node examples/library.mjs
// (from a clone after `npm ci`, or from a project that installed leakscope).
import {
  loadSnapshot, computeHistogram, findInstances, findRetainerChain, computeRetainedSizes,
  computeGrowthOfFiles, evaluateGate, defaultGateSettings,
} from 'leakscope';

const files = ['fixtures/leaky-server-1.heapsnapshot.gz', 'fixtures/leaky-server-3.heapsnapshot.gz'];

// 1. Load a snapshot: a HeapGraph of typed-array columns indexed by node ordinal.
const graph = await loadSnapshot(files[1]);

// 2. The most common classes (DevTools' names), largest count first.
const { classes } = computeHistogram(graph);
const top = [...classes].sort((a, b) => b.count - a.count).slice(0, 3);
console.log('top classes:', top.map((c) => `${c.name} ×${c.count}`).join(', '));

// 3. The instances of a class by name (any case when unambiguous; a typo throws with the closest names).
const contexts = findInstances(graph, 'RequestContext');
console.log('RequestContext instances:', contexts.length);

// 4. Why one of them is alive: the shortest chain of references from a root, and what it retains.
const chain = findRetainerChain(graph, contexts[0]);
const retained = computeRetainedSizes(graph);
console.log('chain length:', chain.nodes.length, 'hops; retained by the first:', retained[contexts[0]], 'bytes');

// 5. Growth between snapshots of one process, gated with the default settings.
const { result } = await computeGrowthOfFiles(files);
const gate = evaluateGate(result, defaultGateSettings());
console.log('violations:', gate.violations.map((v) => `${v.name} +${v.delta}`).join(', '));
