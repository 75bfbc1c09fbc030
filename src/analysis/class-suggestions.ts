// Matching a class name a user typed (the commands' class option, findInstances, gate settings),
// and the class names a user probably meant when it matches none ("did you mean RequestContext?"):
// a misspelt name in a gate setting would otherwise switch the gate off silently.
//
// Matching: an exact display name or key first, then a display name equal ignoring case when exactly
// one class has it (two classes that differ only in case make the name ambiguous).
//
// Closeness, best first: the same name in another case; then the smallest edit distance (insertions,
// deletions, substitutions and swaps of neighbours), allowed up to a third of the name's length; then
// names that contain the query, ignoring case. Cost: O(candidates × length²) per query, once per
// setting; only run for names that matched nothing.

const MAX_SUGGESTIONS = 3;

/** What a typed name matches among the classes of a snapshot (or of a growth series). */
export type ClassNameMatch =
  | { kind: 'exact'; name: string }
  | { kind: 'ignoring-case'; name: string }
  | { kind: 'ambiguous'; names: string[] }
  | { kind: 'none' };

/** The class `query` names among display `names` and `keys`: exactly, else the one name equal ignoring case. */
export function matchClassName(query: string, names: readonly string[], keys: readonly string[] = []): ClassNameMatch {
  if (names.includes(query) || keys.includes(query)) return { kind: 'exact', name: query };
  const lower = query.toLowerCase();
  const matches = [...new Set(names.filter((name) => name.toLowerCase() === lower))];
  if (matches.length === 1) return { kind: 'ignoring-case', name: matches[0] };
  return matches.length > 1 ? { kind: 'ambiguous', names: matches } : { kind: 'none' };
}

/** Up to three class names close to `query`, best first; empty when none is close. */
export function suggestClassNames(query: string, candidates: Iterable<string>): string[] {
  const lower = query.toLowerCase();
  const budget = Math.max(1, Math.floor(query.length / 3));
  const scored: { name: string; score: number }[] = [];
  const seen = new Set<string>();
  for (const name of candidates) {
    if (seen.has(name) || name === query) continue;
    seen.add(name);
    const candidate = name.toLowerCase();
    if (candidate === lower) { scored.push({ name, score: 0 }); continue; }
    if (Math.abs(candidate.length - lower.length) <= budget) {
      const distance = editDistance(lower, candidate, budget);
      if (distance <= budget) { scored.push({ name, score: distance }); continue; }
    }
    if (lower.length >= 3 && candidate.includes(lower)) scored.push({ name, score: budget + 1 + candidate.length - lower.length });
  }
  scored.sort((a, b) => a.score - b.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return scored.slice(0, MAX_SUGGESTIONS).map((s) => s.name);
}

/** `… (did you mean A or B?)`, or '' without suggestions. */
export function didYouMean(suggestions: string[]): string {
  if (suggestions.length === 0) return '';
  const quoted = suggestions.map((s) => JSON.stringify(s));
  return ` (did you mean ${quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`}?)`;
}

/**
 * Optimal string alignment distance (Levenshtein plus swaps of neighbours), giving up with
 * `budget + 1` as soon as every cell of a row exceeds the budget.
 */
function editDistance(a: string, b: string, budget: number): number {
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMin = current[0];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      current[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > budget) return budget + 1;
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length];
}
