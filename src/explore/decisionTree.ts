// Evaluation of a state test compiled to a decision tree (src/explore/stateTests.ts): plain
// data and a loop, shared with worker threads.

/** Leaf codes in a tree (children are node offsets when ≥ 0). */
export const FALSE = -1;
export const TRUE = -2;
/** The test threw on this combination: evaluate it directly so the error surfaces as it would. */
export const DIRECT = -3;

/**
 * Follows `tree` from the root, reading each node's instance with `read`: TRUE, FALSE or
 * DIRECT. Layout: a node is [instance, child per local state ...]; a one-entry tree is
 * that leaf.
 */
export function walkTree(tree: Int32Array, read: (inst: number) => number): number {
  if (tree.length === 1) return tree[0] as number;
  let node = 0;
  for (;;) {
    const next = tree[node + 1 + read(tree[node] as number)] as number;
    if (next < 0) return next;
    node = next;
  }
}
