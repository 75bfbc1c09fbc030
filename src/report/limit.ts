// What every --limit N (-n N) keeps of a list its caller has sorted: the first N items; 0 keeps all.

export function upToLimit<T>(items: T[], limit: number): T[] {
  return limit === 0 ? items : items.slice(0, limit);
}
