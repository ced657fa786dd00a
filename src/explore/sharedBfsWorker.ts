// Worker thread of the parallel BFS over a shared state map (src/explore/sharedBfs.ts).
// It rebuilds the generated successor function, the symmetry canonicalizer and the
// property tables from a plain-data plan, then expands chunks of each level's frontier:
// every successor is looked up in (or claimed in) the shared map. A state claimed in this
// level gets a provisional id; the worker notes, per provisional id, the first (parent,
// event) it saw reach it, so the main thread can number the level's new states exactly as
// the sequential search would. The worker imports only small modules with no model code.
import { parentPort, workerData } from 'node:worker_threads';
import { walkTree } from './decisionTree.js';
import { CLAIMED, mapFull, mapGetOrClaim, mapSet, type SharedMapData } from './sharedMap.js';
import { makePackedCanonicalizer, makeWideCanonicalizer, type SymmetryPlan } from './symmetry.js';

/** Everything a worker needs, structured-clone safe. */
export interface SharedBfsPlan {
  /** Words per packed state. */
  readonly words: 1 | 2;
  /** Generated successor source (codegen.ts or wideCodegen.ts) and its tables. */
  readonly source: string;
  readonly next: readonly Int32Array[];
  readonly out: readonly Uint8Array[];
  readonly priorAlpha: readonly Int32Array[];
  readonly instances: number;
  /** Per instance: word (two-word states), weight and radix. */
  readonly word: readonly number[];
  readonly weight: readonly number[];
  readonly radix: readonly number[];
  readonly symmetry: SymmetryPlan | undefined;
  /** [instance, table]: bitmask of `each` properties that fire per local state. */
  readonly fireTables: readonly (readonly [number, Int32Array])[];
  /** [property, decision tree, always?]: state-scope properties. */
  readonly stateTrees: readonly (readonly [number, Int32Array, boolean])[];
  /** [property, holds by event * outcomes + outcome, always?]: step properties. */
  readonly stepTables: readonly (readonly [number, Uint8Array, boolean])[];
  readonly outcomes: number;
  /** World events (for the events-taken set the lint's "never enabled" reads). */
  readonly events: number;
  readonly properties: number;
  /** Record edges (the graph for progress properties). */
  readonly graph: boolean;
}

/** Shared control words. */
export const CHUNK_COUNTER = 0;
export const STOP = 1;
export const GROW = 2;
export const PROVISIONAL = 3;
export const CTRL_WORDS = 4;

/** Parents per work item. */
export const CHUNK = 4096;

export type ToWorker =
  | {
      readonly type: 'level';
      readonly frontier0: Float64Array;
      readonly frontier1: Float64Array;
      readonly base: number;
      readonly size: number;
      readonly open: number;
      readonly openStep: number;
      readonly map: SharedMapData;
    }
  | { readonly type: 'resume'; readonly map: SharedMapData }
  | { readonly type: 'collect' }
  | { readonly type: 'translate'; readonly finalOf: Int32Array; readonly map: SharedMapData };

/** A run of consecutive parents expanded by one worker, and where their edges are. */
export interface Segment {
  readonly first: number;
  readonly parents: number;
  /** Position of its first parent's edge count in `counts`, of its first edge in `targets`. */
  readonly countStart: number;
  readonly edgeStart: number;
}

export type FromWorker =
  | { readonly type: 'idle' | 'paused' }
  | {
      readonly type: 'collected';
      readonly new0: Float64Array;
      readonly new1: Float64Array;
      readonly newIds: Int32Array;
      readonly firstParent: Int32Array;
      readonly firstEvent: Int32Array;
      readonly transitions: number;
      /** Per property: the smallest parent index where it fired (-1: none). */
      readonly foundState: Int32Array;
      /** Per property: [from, event, outcome] of its first firing step, or []. */
      readonly foundStep: readonly (readonly number[])[];
      /** taken[e] = 1 when world event e was taken since the last collect. */
      readonly taken: Uint8Array;
    }
  | {
      readonly type: 'translated';
      readonly segments: readonly Segment[];
      readonly counts: Int32Array;
      readonly targets: Int32Array;
      readonly labels: Uint32Array;
    };

/** A growable typed array of numbers. */
class Grow<T extends Float64Array | Int32Array | Uint32Array> {
  length = 0;
  constructor(public data: T) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new (this.data.constructor as new (n: number) => T)(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  take(): T {
    const out = this.data.slice(0, this.length) as T;
    this.length = 0;
    return out;
  }
}

function main(): void {
  const port = parentPort;
  if (port === null) return;
  const { plan, ctrl } = workerData as { plan: SharedBfsPlan; ctrl: Int32Array };
  // oxlint-disable-next-line typescript/no-implied-eval -- the generated successor code, rebuilt from the plan
  const factory = new Function('T', 'O', 'PA', plan.source) as (
    T: readonly Int32Array[],
    O: readonly Uint8Array[],
    PA: readonly Int32Array[],
  ) => unknown;
  const expandFn = factory(plan.next, plan.out, plan.priorAlpha);
  const canon1 =
    plan.words === 1 ? makePackedCanonicalizer(plan.symmetry, plan.weight, plan.radix) : undefined;
  const canon2 =
    plan.words === 2 ? makeWideCanonicalizer(plan.symmetry, plan.word, plan.weight, plan.radix) : undefined;
  const pair = new Float64Array(2);
  const L = new Int32Array(plan.instances);
  const read = (inst: number): number => L[inst] as number;

  let level: Extract<ToWorker, { type: 'level' }> | undefined;
  let map: SharedMapData | undefined;
  let remainder: [number, number] | undefined;
  let current = 0;
  let transitions = 0;
  let openStep = 0;
  const new0 = new Grow(new Float64Array(1024));
  const new1 = new Grow(new Float64Array(plan.words === 2 ? 1024 : 1));
  const newIds = new Grow(new Int32Array(1024));
  let firstParent = new Int32Array(1024).fill(-1);
  let firstEvent = new Int32Array(1024);
  let seenMax = 0;
  const counts = new Grow(new Int32Array(1024));
  const targets = new Grow(new Int32Array(plan.graph ? 1 << 16 : 1));
  const labels = new Grow(new Uint32Array(plan.graph ? 1 << 16 : 1));
  let segments: Segment[] = [];
  let collected: Extract<FromWorker, { type: 'collected' }> | undefined;
  let foundState = new Int32Array(plan.properties).fill(-1);
  let foundStep: number[][] = [];
  let taken = new Uint8Array(plan.events);

  const see = (p: number, event: number): void => {
    if (p >= firstParent.length) {
      let n = firstParent.length * 2;
      while (n <= p) n *= 2;
      const fp = new Int32Array(n).fill(-1);
      fp.set(firstParent);
      firstParent = fp;
      const fe = new Int32Array(n);
      fe.set(firstEvent);
      firstEvent = fe;
    }
    if (firstParent[p] === -1) {
      firstParent[p] = current;
      firstEvent[p] = event;
      if (p + 1 > seenMax) seenMax = p + 1;
    }
  };

  /** One successor (already canonical): claim or find it, note sightings, record the edge. */
  const successor = (c0: number, c1: number, event: number, outcome: number): void => {
    transitions++;
    taken[event] = 1;
    if (openStep !== 0) {
      for (const [p, table, always] of plan.stepTables) {
        if ((openStep & (1 << p)) === 0) continue;
        if ((table[event * plan.outcomes + outcome] === 1) !== always) {
          foundStep[p] = [current, event, outcome];
          openStep &= ~(1 << p);
        }
      }
    }
    const v = mapGetOrClaim(map as SharedMapData, c0, c1, ctrl, PROVISIONAL);
    let target = v;
    if (v >= CLAIMED) {
      const p = v - CLAIMED;
      new0.push(c0);
      if (plan.words === 2) new1.push(c1);
      newIds.push(p);
      see(p, event);
      target = -2 - p;
    } else if (v < 0) {
      see(-2 - v, event);
    }
    if (plan.graph) {
      targets.push(target);
      labels.push(event * plan.outcomes + outcome);
    }
  };
  const emit1 = (s: number, event: number, outcome: number): void =>
    successor(canon1 === undefined ? s : canon1(s), 0, event, outcome);
  const emit2 = (a: number, b: number, event: number, outcome: number): void => {
    if (canon2 === undefined) {
      successor(a, b, event, outcome);
      return;
    }
    canon2(a, b, pair);
    successor(pair[0] as number, pair[1] as number, event, outcome);
  };
  const expand1 = expandFn as (s: number, l: Int32Array, emit: typeof emit1) => void;
  const expand2 = expandFn as (a: number, b: number, l: Int32Array, emit: typeof emit2) => void;

  /** State-scope and `each` properties at the parent just expanded (L holds its locals). */
  const stateProperties = (open: number): void => {
    let mask = 0;
    for (const [inst, table] of plan.fireTables) mask |= table[L[inst] as number] as number;
    for (const [p, tree, always] of plan.stateTrees) {
      if ((open & (1 << p)) !== 0 && (walkTree(tree, read) === -2) !== always) mask |= 1 << p;
    }
    mask &= open;
    if (mask === 0) return;
    for (let p = 0; p < plan.properties; p++) {
      if ((mask & (1 << p)) !== 0 && (foundState[p] as number) < 0) foundState[p] = current;
    }
  };

  /** Expands frontier positions [lo, hi); false when it stopped early to pause. */
  const range = (lo: number, hi: number): boolean => {
    const lv = level as NonNullable<typeof level>;
    const edgeStart = targets.length;
    const countStart = counts.length;
    let j = lo;
    let paused = false;
    while (j < hi && !paused) {
      current = lv.base + j;
      const before = targets.length;
      if (plan.words === 1) expand1(lv.frontier0[j] as number, L, emit1);
      else expand2(lv.frontier0[j] as number, lv.frontier1[j] as number, L, emit2);
      if (plan.graph) counts.push(targets.length - before);
      if (lv.open !== 0) stateProperties(lv.open);
      j++;
      if (mapFull(map as SharedMapData)) Atomics.store(ctrl, GROW, 1);
      paused = Atomics.load(ctrl, STOP) !== 0 || Atomics.load(ctrl, GROW) !== 0;
    }
    segments.push({ first: lv.base + lo, parents: j - lo, countStart, edgeStart });
    remainder = j < hi ? [j, hi] : undefined;
    return !paused;
  };

  /** Works until the level's chunks are taken or a pause is asked for. */
  const work = (): 'idle' | 'paused' => {
    const lv = level as NonNullable<typeof level>;
    if (remainder !== undefined && !range(remainder[0], remainder[1])) return 'paused';
    for (;;) {
      if (Atomics.load(ctrl, STOP) !== 0) return 'paused';
      const c = Atomics.add(ctrl, CHUNK_COUNTER, 1);
      const lo = c * CHUNK;
      if (lo >= lv.size) return 'idle';
      if (!range(lo, Math.min(lv.size, lo + CHUNK))) return 'paused';
    }
  };

  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'level') {
      level = msg;
      map = msg.map;
      openStep = msg.openStep;
      remainder = undefined;
      port.postMessage({ type: work() } satisfies FromWorker);
    } else if (msg.type === 'resume') {
      map = msg.map;
      port.postMessage({ type: work() } satisfies FromWorker);
    } else if (msg.type === 'collect') {
      const reply: FromWorker = {
        type: 'collected',
        new0: new0.take(),
        new1: new1.take(),
        newIds: newIds.take(),
        firstParent: firstParent.slice(0, seenMax),
        firstEvent: firstEvent.slice(0, seenMax),
        transitions,
        foundState,
        foundStep,
        taken,
      };
      firstParent.fill(-1, 0, seenMax);
      seenMax = 0;
      transitions = 0;
      foundState = new Int32Array(plan.properties).fill(-1);
      foundStep = [];
      taken = new Uint8Array(plan.events);
      port.postMessage(reply);
      collected = reply;
    } else {
      translate(msg);
    }
  });

  /** Final indices for this worker's claimed states (in the map) and edge targets. */
  const translate = (msg: Extract<ToWorker, { type: 'translate' }>): void => {
    const c = collected as NonNullable<typeof collected>;
    for (let k = 0; k < c.newIds.length; k++) {
      const p = c.newIds[k] as number;
      mapSet(
        msg.map,
        c.new0[k] as number,
        plan.words === 2 ? (c.new1[k] as number) : 0,
        msg.finalOf[p] as number,
      );
    }
    const t = targets.take();
    for (let k = 0; k < t.length; k++) {
      const v = t[k] as number;
      if (v < 0) t[k] = msg.finalOf[-2 - v] as number;
    }
    const reply: FromWorker = {
      type: 'translated',
      segments,
      counts: counts.take(),
      targets: t,
      labels: labels.take(),
    };
    segments = [];
    collected = undefined;
    port.postMessage(reply, [
      reply.counts.buffer,
      reply.targets.buffer,
      reply.labels.buffer,
    ] as ArrayBuffer[]);
  };
}

main();
