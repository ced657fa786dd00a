// Parallel breadth-first search for any compiled space (one or two words per state, with
// symmetry, state tests compiled to decision trees, and the graph recorded for progress
// properties): level-synchronous, every state in one map on shared memory that worker
// threads claim states in by compare-and-swap (src/explore/sharedMap.ts). A state new in
// a level gets a provisional id; after the level the main thread numbers the new states by
// their first (parent, event), which is the order the sequential search discovers them in,
// so indices, parents, edges and every verdict and counterexample equal the sequential
// search's. When the map fills up, the workers pause at a parent boundary, it grows, they
// resume; a stop condition pauses them for good and the level stays partial.
import { Worker } from 'node:worker_threads';
import type { CompiledSystem } from '../system.js';
import { checkFrontier } from './bfs.js';
import { CompiledSpace } from './compiledSpace.js';
import { GraphRecorder } from './graph.js';
import { LocalProperties } from './localProps.js';
import type { SharedMap } from './sharedMap.js';
import {
  CTRL_WORDS,
  GROW,
  PROVISIONAL,
  STOP,
  type FromWorker,
  type Segment,
  type SharedBfsPlan,
  type ToWorker,
} from './sharedBfsWorker.js';
import type { StateSpace } from './space.js';
import { compileStateTest } from './stateTests.js';
import type { SearchLimits, SearchStats } from './strategy.js';
import { symmetryPlan } from './symmetry.js';
import type { PropertyTracker } from './tracker.js';
import { WideSpace } from './wideSpace.js';

/** How often the main thread polls the stop condition while a level is expanded. */
const STOP_POLL_MS = 100;

/**
 * The worker plan for `space` (a compiled space built with a shared index, possibly
 * wrapped by a graph recorder), or undefined when it cannot run on workers: another
 * engine, or a tracked property that must run model code per state (a state test too large
 * to compile, a transition property).
 */
export function sharedBfsPlan(space: StateSpace, sys: CompiledSystem): SharedBfsPlan | undefined {
  const graph = space instanceof GraphRecorder;
  const inner = graph ? space.inner : space;
  const stateTrees: [number, Int32Array, boolean][] = [];
  for (const [i, p] of sys.tracked.entries()) {
    if (p.over === 'state') {
      const tree = compileStateTest(sys, p.test).tree;
      if (tree === undefined) return undefined;
      stateTrees.push([i, tree, p.kind === 'always']);
    } else if (p.over !== 'each' && p.over !== 'step' && p.over !== 'graph') {
      return undefined;
    }
  }
  const stepTables = sys.tracked.flatMap((p, i) => {
    const t = sys.stepTables[i];
    return t === undefined ? [] : [[i, t, p.kind === 'always'] as const];
  });
  const symmetric = (inner instanceof CompiledSpace || inner instanceof WideSpace) && inner.symmetric;
  const common = {
    instances: sys.instances.length,
    symmetry: symmetric ? symmetryPlan(sys) : undefined,
    fireTables: new LocalProperties(sys).fireTables,
    stateTrees,
    stepTables,
    outcomes: sys.outcomes.length,
    events: sys.events.length,
    properties: sys.tracked.length,
    graph,
  };
  if (inner instanceof CompiledSpace && inner.sharedMap() !== undefined) {
    const t = inner.tables;
    const { source, next, out, priorAlpha, weight, radix } = t;
    return { ...common, words: 1, source, next, out, priorAlpha, weight, radix, word: radix.map(() => 0) };
  }
  if (inner instanceof WideSpace && inner.sharedMap() !== undefined) {
    const { source, next, out, priorAlpha, weight, radix, word } = inner.tables;
    return { ...common, words: 2, source, next, out, priorAlpha, weight, radix, word };
  }
  return undefined;
}

interface PoolWorker {
  readonly worker: Worker;
  pending: ((m: FromWorker) => void) | undefined;
  failed: unknown;
}

/** A worker running sharedBfsWorker: the compiled file, or the TypeScript source through tsx. */
function spawn(plan: SharedBfsPlan, ctrl: Int32Array): PoolWorker {
  const workerData = { plan, ctrl };
  const here = import.meta.url;
  const worker = here.endsWith('.ts')
    ? new Worker(
        `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(new URL('./sharedBfsWorker.ts', here).href)}, ${JSON.stringify(here)}))`,
        { eval: true, workerData },
      )
    : new Worker(new URL('./sharedBfsWorker.js', here), { workerData });
  const pw: PoolWorker = { worker, pending: undefined, failed: undefined };
  worker.on('message', (m: FromWorker) => pw.pending?.(m));
  worker.on('error', (e) => {
    pw.failed = e;
    pw.pending?.({ type: 'idle' });
  });
  return pw;
}

function ask(pool: readonly PoolWorker[], msg: ToWorker | ((w: number) => ToWorker)): Promise<FromWorker[]> {
  return Promise.all(
    pool.map(
      (pw, w) =>
        new Promise<FromWorker>((resolve, reject) => {
          pw.pending = (m) => (pw.failed === undefined ? resolve(m) : reject(pw.failed));
          // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a worker_threads Worker, not a window
          pw.worker.postMessage(typeof msg === 'function' ? msg(w) : msg);
        }),
    ),
  );
}

/** The parts of a compiled space the parallel search writes to. */
interface Store {
  readonly map: SharedMap;
  readonly words: 1 | 2;
  size(): number;
  frontier(from: number, to: number): [Float64Array, Float64Array];
  append(s0: Float64Array, s1: Float64Array, parents: Uint32Array, events: Uint16Array): void;
}

/** A Float64Array of n entries on shared memory. */
const shared = (n: number): Float64Array => new Float64Array(new SharedArrayBuffer(Math.max(n, 1) * 8));

function storeOf(space: StateSpace): Store {
  const inner = space instanceof GraphRecorder ? space.inner : space;
  if (inner instanceof CompiledSpace) {
    const map = inner.sharedMap() as SharedMap;
    return {
      map,
      words: 1,
      size: () => inner.size,
      frontier: (from, to) => {
        const f = shared(to - from);
        inner.copyStates(from, to, f);
        return [f, shared(0)];
      },
      append: (s0, _s1, parents, events) => inner.appendDiscovered(s0, parents, events),
    };
  }
  const wide = inner as WideSpace;
  return {
    map: wide.sharedMap() as SharedMap,
    words: 2,
    size: () => wide.size,
    frontier: (from, to) => {
      const f0 = shared(to - from);
      const f1 = shared(to - from);
      wide.copyStates(from, to, f0, f1);
      return [f0, f1];
    },
    append: (s0, s1, parents, events) => wide.appendDiscovered(s0, s1, parents, events),
  };
}

/** Runs the search on `workers` threads; the space must come from sharedBfsPlan's checks. */
export async function sharedBfs(
  space: StateSpace,
  plan: SharedBfsPlan,
  tracker: PropertyTracker,
  limits: SearchLimits,
  workers: number,
): Promise<SearchStats> {
  const ctrl = new Int32Array(new SharedArrayBuffer(CTRL_WORDS * 4));
  const store = storeOf(space);
  const recorder = space instanceof GraphRecorder ? space : undefined;
  const pool = Array.from({ length: workers }, () => spawn(plan, ctrl));
  try {
    space.addInitial();
    const levels = [1];
    let base = 0;
    let transitions = 0;
    let stopReason: string | undefined;
    let depthBounded = false;
    for (;;) {
      const size = space.size - base;
      if (size === 0) break;
      if (limits.maxDepth !== undefined && levels.length - 1 >= limits.maxDepth) {
        depthBounded = checkFrontier(space, tracker, base, space.size);
        break;
      }
      limits.onProgress?.({ states: space.size, transitions, depth: levels.length - 1, queue: size });
      stopReason =
        limits.shouldStop?.() ??
        (limits.maxStates !== undefined && space.size >= limits.maxStates ? 'max-states' : undefined);
      if (stopReason !== undefined) break;
      const [frontier0, frontier1] = store.frontier(base, base + size);
      ctrl.fill(0);
      const watch = setInterval(() => {
        stopReason ??= limits.shouldStop?.();
        if (stopReason !== undefined) Atomics.store(ctrl, STOP, 1);
      }, STOP_POLL_MS);
      try {
        const open = tracker.openState;
        const openStep = tracker.openStepMask;
        let replies = await ask(pool, {
          type: 'level',
          frontier0,
          frontier1,
          base,
          size,
          open,
          openStep,
          map: store.map.data,
        });
        while (replies.some((r) => r.type === 'paused') && Atomics.load(ctrl, STOP) === 0) {
          store.map.grow();
          Atomics.store(ctrl, GROW, 0);
          replies = await ask(pool, { type: 'resume', map: store.map.data });
        }
      } finally {
        clearInterval(watch);
      }
      const collected = (await ask(pool, { type: 'collect' })) as Extract<
        FromWorker,
        { type: 'collected' }
      >[];
      const fresh = Atomics.load(ctrl, PROVISIONAL);
      const numbered = numberLevel(collected, fresh, base, size, store.words, space.size);
      const translated = (await ask(pool, {
        type: 'translate',
        finalOf: numbered.finalOf,
        map: store.map.data,
      })) as Extract<FromWorker, { type: 'translated' }>[];
      store.append(numbered.s0, numbered.s1, numbered.parents, numbered.events);
      if (recorder !== undefined) recordEdges(recorder, translated);
      transitions += collected.reduce((sum, r) => sum + r.transitions, 0);
      mergeFindings(tracker, collected);
      levels.push(fresh);
      if (stopReason !== undefined) break;
      base += size;
    }
    if (stopReason !== undefined) for (let j = base; j < space.size; j++) tracker.checkState(space, j);
    if (levels[levels.length - 1] === 0) levels.pop();
    return {
      states: space.size,
      transitions,
      depth: levels.length - 1,
      complete: stopReason === undefined && !depthBounded,
      depthBounded,
      stopReason,
      levels,
    };
  } finally {
    await Promise.all(pool.map((w) => w.worker.terminate()));
  }
}

/**
 * The level's new states in sequential discovery order: by the smallest (parent, event)
 * that reached each (a counting sort over parents, then events within a parent).
 */
function numberLevel(
  collected: readonly Extract<FromWorker, { type: 'collected' }>[],
  fresh: number,
  base: number,
  size: number,
  words: 1 | 2,
  firstIndex: number,
): {
  finalOf: Int32Array;
  s0: Float64Array;
  s1: Float64Array;
  parents: Uint32Array;
  events: Uint16Array;
} {
  const parentOf = new Int32Array(fresh).fill(-1);
  const eventOf = new Int32Array(fresh);
  const state0 = new Float64Array(fresh);
  const state1 = new Float64Array(words === 2 ? fresh : 0);
  for (const r of collected) {
    for (let p = 0; p < r.firstParent.length; p++) {
      const fp = r.firstParent[p] as number;
      if (fp < 0) continue;
      const best = parentOf[p] as number;
      if (best < 0 || fp < best || (fp === best && (r.firstEvent[p] as number) < (eventOf[p] as number))) {
        parentOf[p] = fp;
        eventOf[p] = r.firstEvent[p] as number;
      }
    }
    for (let k = 0; k < r.newIds.length; k++) {
      const p = r.newIds[k] as number;
      state0[p] = r.new0[k] as number;
      if (words === 2) state1[p] = r.new1[k] as number;
    }
  }
  const bucket = new Int32Array(size + 1);
  for (let p = 0; p < fresh; p++) {
    const b = (parentOf[p] as number) - base + 1;
    bucket[b] = (bucket[b] as number) + 1;
  }
  for (let b = 0; b < size; b++) bucket[b + 1] = (bucket[b + 1] as number) + (bucket[b] as number);
  const order = new Int32Array(fresh);
  const fill = bucket.slice(0, size);
  for (let p = 0; p < fresh; p++) {
    const b = (parentOf[p] as number) - base;
    const start = bucket[b] as number;
    let at = fill[b] as number;
    fill[b] = at + 1;
    // Insertion by event inside the parent's bucket (a parent reaches few new states).
    while (at > start && (eventOf[order[at - 1] as number] as number) > (eventOf[p] as number)) {
      order[at] = order[at - 1] as number;
      at--;
    }
    order[at] = p;
  }
  const finalOf = new Int32Array(new SharedArrayBuffer(Math.max(fresh, 1) * 4));
  const s0 = new Float64Array(fresh);
  const s1 = new Float64Array(words === 2 ? fresh : 0);
  const parents = new Uint32Array(fresh);
  const events = new Uint16Array(fresh);
  for (let k = 0; k < fresh; k++) {
    const p = order[k] as number;
    finalOf[p] = firstIndex + k;
    s0[k] = state0[p] as number;
    if (words === 2) s1[k] = state1[p] as number;
    parents[k] = parentOf[p] as number;
    events[k] = eventOf[p] as number;
  }
  return { finalOf, s0, s1, parents, events };
}

/** Appends every worker's edges to the graph in parent order. */
function recordEdges(
  recorder: GraphRecorder,
  translated: readonly Extract<FromWorker, { type: 'translated' }>[],
): void {
  const all: [Segment, Extract<FromWorker, { type: 'translated' }>][] = [];
  for (const r of translated) for (const s of r.segments) all.push([s, r]);
  all.sort((a, b) => a[0].first - b[0].first);
  for (const [s, r] of all) {
    const counts = r.counts.subarray(s.countStart, s.countStart + s.parents);
    let edges = 0;
    for (const c of counts) edges += c;
    recorder.recordBulk(
      s.first,
      counts,
      r.targets.subarray(s.edgeStart, s.edgeStart + edges),
      r.labels.subarray(s.edgeStart, s.edgeStart + edges),
    );
  }
}

/** Records the first (lowest-index) state and step findings across workers, and the events taken. */
function mergeFindings(
  tracker: PropertyTracker,
  replies: readonly Extract<FromWorker, { type: 'collected' }>[],
): void {
  for (const r of replies) r.taken.forEach((t, e) => t !== 0 && tracker.taken.fill(1, e, e + 1));
  const states: [number, number][] = [];
  const steps: (readonly number[])[] = [];
  for (const r of replies) {
    r.foundState.forEach((i, p) => {
      if (i >= 0) states.push([i, p]);
    });
    for (const s of r.foundStep) if (s !== undefined && s.length === 3) steps.push(s);
  }
  states.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const [i, p] of states) tracker.record(i, (1 << p) & tracker.openState);
  steps.sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
  for (const [from, event, outcome] of steps)
    tracker.checkStep(from as number, event as number, outcome as number);
}
