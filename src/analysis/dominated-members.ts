// The children of a node in the dominator tree as a leak analysis sees them: V8's internal stores
// (array and hidden nodes: an array's elements, an object's property dictionary, a Map's hash table)
// are seen through, so the entries of a collection are its own children. DevTools moves the stores'
// self size to their owner for the same reason (docs/FORMAT.md §4.2).
//
// Cost: O(children + stores below them) per collect(); the scratch arrays grow to the largest
// member list once and are reused, so no per-call allocation after that.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { grownUint32 } from '../snapshot/typed-arrays.ts';
import type { DominatorTreeResult } from './dominators.ts';

export class DominatedMembers {
  /** The members found by the last collect(), in [0, count); replaced when it grows, so read it after collecting. */
  members: Uint32Array = new Uint32Array(1024);
  count = 0;
  readonly #nodeType: Uint8Array;
  readonly #isStoreType: Uint8Array;
  readonly #firstDominated: Uint32Array;
  readonly #dominated: Uint32Array;
  /** The stores still to see through. */
  #stack: Uint32Array = new Uint32Array(256);

  constructor(graph: HeapGraph, tree: Pick<DominatorTreeResult, 'firstDominated' | 'dominated'>) {
    this.#nodeType = graph.nodeType;
    this.#firstDominated = tree.firstDominated;
    this.#dominated = tree.dominated;
    this.#isStoreType = new Uint8Array(graph.nodeTypeNames.length);
    for (const t of [graph.types.array, graph.types.hidden]) if (t >= 0) this.#isStoreType[t] = 1;
  }

  /** Fills `members` with the children of `node` in the dominator tree, stores seen through. */
  collect(node: number): void {
    const firstDominated = this.#firstDominated;
    const dominated = this.#dominated;
    this.count = 0;
    let top = 0;
    this.#stack[top++] = node;
    while (top > 0) {
      const v = this.#stack[--top];
      for (let k = firstDominated[v]; k < firstDominated[v + 1]; k++) {
        const child = dominated[k];
        if (this.#isStoreType[this.#nodeType[child]] === 1) {
          if (top === this.#stack.length) this.#stack = grownUint32(this.#stack);
          this.#stack[top++] = child;
          continue;
        }
        if (this.count === this.members.length) this.members = grownUint32(this.members);
        this.members[this.count++] = child;
      }
    }
  }
}
