// State tests (functions of a WorldView) compiled into decision trees over local states.
// A test is a pure function of the snapshots it reads, so its result is decided by the
// local states of the instances it reads, in the order it reads them. Running it once per
// prefix of choices ("page0 is in local state 3, then converter0 in 5 ...") enumerates
// that tree over every local state each instance can take: the leaves are its answers, the
// inner nodes the instances it may read in any world. The tree answers a state in a few
// array lookups, gives a sound read set (what the test can depend on, for partial-order
// reduction), and is plain data that worker threads can evaluate. Tests whose tree would
// exceed a budget (a test over every page) are evaluated directly and read everything.
import type { AnyMachineSnapshot } from 'xstate';
import { snapshotKey } from '../machines.js';
import type { StateTest, WorldView } from '../property.js';
import { kindOf, type CompiledSystem } from '../system.js';
import { idsOfKind, type World } from '../world.js';
import { CompiledSpace } from './compiledSpace.js';
import { GraphRecorder } from './graph.js';
import type { StateSpace } from './space.js';
import { WideSpace } from './wideSpace.js';
import { DIRECT, FALSE, TRUE, walkTree } from './decisionTree.js';

export { walkTree } from './decisionTree.js';

/** Nodes one test may compile to before it is evaluated directly instead. */
export const TREE_BUDGET = 50_000;

/**
 * Reads the local state of one instance of a stored state: decoding only the instances a
 * test looks at keeps evaluation independent of the number of machines.
 */
export type LocalReader = (inst: number) => number;

export interface CompiledTest {
  /** Instances the test may read in some world, ascending; undefined when unknown (all). */
  readonly reads: readonly number[] | undefined;
  /** Plain data: node layout [instance, child per local state ...]; undefined when direct. */
  readonly tree: Int32Array | undefined;
  /** The test on the state that `read` describes. */
  holds(read: LocalReader): boolean;
}

class NeedRead {
  constructor(readonly inst: number) {}
}

/** Compiles `test` over the instances and local states of `sys` (see the module comment). */
export function compileStateTest(sys: CompiledSystem, test: StateTest, budget = TREE_BUDGET): CompiledTest {
  const tree = buildTree(sys, test, budget);
  const direct = directTest(sys, test);
  if (tree === undefined) return { reads: undefined, tree: undefined, holds: lazyTree(sys, test) };
  if (tree[0] === DIRECT) return { reads: undefined, tree: undefined, holds: direct };
  if (tree.length === 1) {
    const constant = tree[0] === TRUE;
    return { reads: [], tree, holds: () => constant };
  }
  const reads = new Set<number>();
  for (let p = 0; p < tree.length;) {
    const inst = tree[p] as number;
    reads.add(inst);
    p += 1 + kindOf(sys, inst).states.length;
  }
  return {
    reads: [...reads].sort((a, b) => a - b),
    tree,
    holds: (read) => {
      const v = walkTree(tree, read);
      return v === DIRECT ? direct(read) : v === TRUE;
    },
  };
}

/** The tree of `test`, or undefined past `budget` nodes or when the test reads nothing it can decide on. */
function buildTree(sys: CompiledSystem, test: StateTest, budget: number): Int32Array | undefined {
  const out: number[] = [];
  const chosen = new Map<number, number>();
  let nodes = 0;
  const view: WorldView = {
    get(id: string): AnyMachineSnapshot {
      const inst = sys.instanceIndex.get(id);
      if (inst === undefined) throw new Error(`property asked for unknown machine '${id}'`);
      const l = chosen.get(inst);
      if (l === undefined) throw new NeedRead(inst);
      return kindOf(sys, inst).states[l] as AnyMachineSnapshot;
    },
    ids: (kind: string) => idsOfKind(sys, kind),
  };
  /** Runs the test under the current choices: a leaf code, or the next instance it reads. */
  const run = (): number | NeedRead => {
    try {
      return test(view) ? TRUE : FALSE;
    } catch (e) {
      if (e instanceof NeedRead) return e;
      return DIRECT;
    }
  };
  /** Appends the subtree under the current choices; returns its code or offset. */
  const build = (): number | undefined => {
    const r = run();
    if (!(r instanceof NeedRead)) return r;
    if (++nodes > budget) return undefined;
    const width = kindOf(sys, r.inst).states.length;
    const at = out.length;
    out.push(r.inst);
    for (let l = 0; l < width; l++) out.push(0);
    for (let l = 0; l < width; l++) {
      chosen.set(r.inst, l);
      const child = build();
      if (child === undefined) return undefined;
      out[at + 1 + l] = child;
    }
    chosen.delete(r.inst);
    return at;
  };
  const root = build();
  if (root === undefined) return undefined;
  return root < 0 ? Int32Array.of(root) : Int32Array.from(out);
}

const noRead: LocalReader = () => 0;

/** A node of a lazily built tree: the instance read next, and per local state what follows. */
interface LazyNode {
  readonly inst: number;
  readonly next: Map<number, LazyNode | boolean>;
}

/**
 * A test whose whole tree is over budget, evaluated through the part of its tree the
 * states asked about need: each evaluation walks the known part, and where it ends the
 * test runs directly, recording the instances it reads in order, and the path is added
 * (the tree's argument: a pure test's reads and answer depend only on the values read).
 * Grows with the distinct combinations the explored states present, not with all of them.
 */
function lazyTree(sys: CompiledSystem, test: StateTest): (read: LocalReader) => boolean {
  let current: LocalReader = noRead;
  const path: number[] = [];
  const seen = new Map<number, number>();
  const view: WorldView = {
    get(id: string): AnyMachineSnapshot {
      const inst = sys.instanceIndex.get(id);
      if (inst === undefined) throw new Error(`property asked for unknown machine '${id}'`);
      let l = seen.get(inst);
      if (l === undefined) {
        l = current(inst);
        seen.set(inst, l);
        path.push(inst, l);
      }
      return kindOf(sys, inst).states[l] as AnyMachineSnapshot;
    },
    ids: (kind: string) => idsOfKind(sys, kind),
  };
  let root: LazyNode | boolean | undefined;
  return (read) => {
    let node = root;
    while (node !== undefined && typeof node !== 'boolean') node = node.next.get(read(node.inst));
    if (node !== undefined) return node;
    current = read;
    path.length = 0;
    seen.clear();
    const answer = test(view);
    // Insert the recorded path: it agrees with the known part of the tree up to where the walk ended.
    if (path.length === 0) return (root = answer);
    let at: LazyNode = (root ??= { inst: path[0] as number, next: new Map() }) as LazyNode;
    for (let k = 0; k < path.length; k += 2) {
      const l = path[k + 1] as number;
      const more = k + 2 < path.length;
      const child = at.next.get(l);
      if (child === undefined || typeof child === 'boolean') {
        if (!more) {
          at.next.set(l, answer);
          break;
        }
        const fresh: LazyNode = { inst: path[k + 2] as number, next: new Map() };
        at.next.set(l, fresh);
        at = fresh;
      } else at = child;
    }
    return answer;
  };
}

/** Direct evaluation through a world view that decodes instances on demand. */
function directTest(sys: CompiledSystem, test: StateTest): (read: LocalReader) => boolean {
  let current: LocalReader = noRead;
  const view: WorldView = {
    get(id: string): AnyMachineSnapshot {
      const inst = sys.instanceIndex.get(id);
      if (inst === undefined) throw new Error(`property asked for unknown machine '${id}'`);
      return kindOf(sys, inst).states[current(inst)] as AnyMachineSnapshot;
    },
    ids: (kind: string) => idsOfKind(sys, kind),
  };
  return (read) => {
    current = read;
    return test(view);
  };
}

/** Local state of instance `inst` in stored state `s` of a space. */
export type LocalSource = (s: number, inst: number) => number;

/** Reads local states of stored states: decoded per instance on packed spaces, else from the world. */
export function localSource(sys: CompiledSystem, space: StateSpace): LocalSource {
  const inner = space instanceof GraphRecorder ? space.inner : space;
  if (inner instanceof CompiledSpace || inner instanceof WideSpace)
    return (s, inst) => inner.localOf(s, inst);
  let last = -1;
  let world: World = [];
  return (s, inst) => {
    if (s !== last) {
      world = inner.worldOf(s);
      last = s;
    }
    const l = kindOf(sys, inst).stateIndex.get(snapshotKey(world[inst] as AnyMachineSnapshot));
    if (l === undefined)
      throw new Error('engine: a stored world has a local state outside the compiled closure');
    return l;
  };
}

/** The test at every stored state [0, n) as a byte per state (1: holds). */
export function stateFlags(
  test: CompiledTest,
  source: LocalSource,
  n: number,
  poll: () => void = () => undefined,
): Uint8Array {
  const out = new Uint8Array(n);
  let s = 0;
  const read: LocalReader = (inst) => source(s, inst);
  for (; s < n; s++) {
    if (test.holds(read)) out[s] = 1;
    if ((s & 0xffff) === 0xffff) poll();
  }
  return out;
}
