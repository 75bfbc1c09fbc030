// One hop along an edge, the shape every path, loop and chain of edges is made of: the edge ordinal
// with the nodes it leaves and reaches (an edge ordinal alone names its target, but finding its
// source is a binary search, so walks keep both).

export interface EdgeStep {
  /** Edge ordinal. */
  edge: number;
  /** Node ordinal the edge leaves. */
  from: number;
  /** Node ordinal the edge reaches. */
  to: number;
}
