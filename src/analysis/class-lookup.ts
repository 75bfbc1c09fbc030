// Finding a class by the name a user typed: `--type`, `findInstances`. Exact display names and keys
// first (in either naming mode, as `top` and `top --names raw` print them), then a case-insensitive
// match when it names one class only; anything else is a usage error with the closest names, so a
// typo is never answered with "0 objects".

import { LeakscopeError } from '../errors.ts';
import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeClassIndex, type NameMode } from '../snapshot/class-names.ts';
import { membersOfClass } from './histogram.ts';
import { didYouMean, suggestClassNames } from './class-suggestions.ts';

/**
 * The class name `name` stands for in `graph`: itself when some class has that display name or key,
 * else the one class whose name matches ignoring case. Throws LeakscopeError (exit 2) with the
 * closest names otherwise; `where` names the snapshot in the message.
 */
export function resolveClassName(graph: HeapGraph, name: string, names: NameMode = 'devtools', where = graph.source.file): string {
  const modes: NameMode[] = names === 'devtools' ? ['devtools', 'raw'] : ['raw', 'devtools'];
  const indexes = modes.map((mode) => computeClassIndex(graph, mode));
  for (const index of indexes) if (index.names.includes(name) || index.keys.includes(name)) return name;
  const lower = name.toLowerCase();
  for (const index of indexes) {
    const matches = new Set(index.names.filter((candidate) => candidate.toLowerCase() === lower));
    if (matches.size === 1) return [...matches][0];
    if (matches.size > 1) {
      throw new LeakscopeError(`no class "${name}" in ${where}; ignoring case it could be ${[...matches].map((m) => JSON.stringify(m)).join(' or ')}`);
    }
  }
  const suggestions = suggestClassNames(name, indexes[0].names);
  throw new LeakscopeError(`no class "${name}" in ${where}${didYouMean(suggestions)} (see \`leakscope top\` for the class names)`);
}

/**
 * Ordinals of the instances of class `name` (resolved as above), the objects `top` counts for it.
 * Library form of `--type`: `findInstances(graph, 'RequestContext')`.
 */
export function findInstances(graph: HeapGraph, name: string, options: { names?: NameMode } = {}): Uint32Array {
  if (typeof name !== 'string' || name === '') throw new TypeError('findInstances(graph, name): name must be a class name such as "RequestContext"');
  return membersOfClass(graph, resolveClassName(graph, name, options.names ?? 'devtools'), options);
}
