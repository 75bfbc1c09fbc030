// Finding a class by the name a user typed: the commands' class option, `findInstances`. Exact
// display names and keys first (in either naming mode, as `top` and `top --names raw` print them),
// then a case-insensitive match when it names one class only (matchClassName); anything else is a
// usage error with the closest names, so a typo is never answered with "0 objects".

import { LeakscopeError } from '../errors.ts';
import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeClassIndex, type NameMode } from '../snapshot/class-names.ts';
import { membersOfClass } from './histogram.ts';
import { didYouMean, matchClassName, suggestClassNames } from './class-suggestions.ts';

/**
 * The class name `name` stands for in `graph`: itself when some class has that display name or key,
 * else the one class whose name matches ignoring case. Throws LeakscopeError (exit 2) with the
 * closest names otherwise; `where` names the snapshot in the message.
 */
export function resolveClassName(graph: HeapGraph, name: string, names: NameMode = 'devtools', where = graph.source.file): string {
  const modes: NameMode[] = names === 'devtools' ? ['devtools', 'raw'] : ['raw', 'devtools'];
  const indexes = modes.map((mode) => computeClassIndex(graph, mode));
  // An exact name in either naming mode before a match ignoring case in the first.
  const matches = indexes.map((index) => matchClassName(name, index.names, index.keys));
  if (matches.some((m) => m.kind === 'exact')) return name;
  for (const match of matches) {
    if (match.kind === 'ignoring-case') return match.name;
    if (match.kind === 'ambiguous') {
      throw new LeakscopeError(`no class "${name}" in ${where}; ignoring case it could be ${match.names.map((m) => JSON.stringify(m)).join(' or ')}`);
    }
  }
  const suggestions = suggestClassNames(name, indexes[0].names);
  throw new LeakscopeError(`no class "${name}" in ${where}${didYouMean(suggestions)} (see \`leakscope top\` for the class names)`);
}

/**
 * Ordinals of the instances of class `name` (resolved as above), the objects `top` counts for it.
 * Library form of the commands' class option: `findInstances(graph, 'RequestContext')`.
 */
export function findInstances(graph: HeapGraph, name: string, options: { names?: NameMode } = {}): Uint32Array {
  if (typeof name !== 'string' || name === '') throw new TypeError('findInstances(graph, name): name must be a class name such as "RequestContext"');
  return membersOfClass(graph, resolveClassName(graph, name, options.names ?? 'devtools'), options);
}
