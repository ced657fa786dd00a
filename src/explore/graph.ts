// The explored state graph, recorded while a strategy expands states: forward edges in
// CSR form (each state's edges are contiguous because a state is expanded once), as typed
// columns: 4 bytes of target and 2 or 4 of label (event and outcome) per edge, 8 bytes of
// offsets per state. Progress properties are judged on it after an exhaustive search.
import type { World } from '../world.js';
import { InputError } from '../errors.js';
import type { RootedSpace, Sink, SpaceSnapshot, StateSpace } from './space.js';
import { uint16Column, uint32Column, Uint32Column, Uint16Column } from './store.js';

/**
 * The graph as flat arrays (compressed sparse rows): the edges of state s are
 * [offsets[s], offsets[s + 1]); a label is event * outcomes + outcome.
 */
export interface Csr {
  readonly n: number;
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
  readonly labels: Uint16Array | Uint32Array;
  readonly outcomes: number;
}

export interface StateGraph {
  readonly size: number;
  /** Edges of state s are [edgeStart(s), edgeEnd(s)); empty for a state never expanded. */
  edgeStart(s: number): number;
  edgeEnd(s: number): number;
  target(e: number): number;
  event(e: number): number;
  outcome(e: number): number;
  /** event(e) * outcomes + outcome(e): one index for tables over (event, outcome). */
  label(e: number): number;
}

/**
 * The growable edge columns a search writes: per expanded state the range of its edges,
 * per edge its target and label. A compiled space that records into one itself (see
 * CompiledSpace.recordEdges) saves a call per transition.
 */
export class EdgeLog {
  start = uint32Column();
  end = uint32Column();
  targets = uint32Column();
  labels: Uint16Column | Uint32Column;
  constructor(
    readonly outcomes: number,
    events: number,
  ) {
    this.labels = events * outcomes <= 0x10000 ? uint16Column() : uint32Column();
  }
  get bytes(): number {
    return this.targets.bytes + this.labels.bytes + this.start.bytes + this.end.bytes;
  }
  /** Releases the columns (after they were flattened). */
  clear(): void {
    this.start = uint32Column();
    this.end = uint32Column();
    this.targets = uint32Column();
    this.labels = uint16Column();
  }
}

/** A space that can write the edges of every state it expands into an EdgeLog. */
export interface EdgeRecording {
  recordEdges(log: EdgeLog): void;
}

function canRecord(space: StateSpace): space is StateSpace & EdgeRecording {
  return typeof (space as Partial<EdgeRecording>).recordEdges === 'function';
}

/**
 * A StateSpace that forwards to `inner` and records every edge. The inner space must
 * index seen states (children are never -1), and every state must be expanded at most
 * once, in any order.
 */
export class GraphRecorder implements StateSpace, StateGraph {
  private readonly log: EdgeLog;
  private flat: Csr | undefined;
  private expanded = 0;
  private sink: Sink = () => undefined;
  private readonly record: Sink;
  /** True when the inner space writes the edge log itself. */
  private readonly direct: boolean;

  /** `outcomes`: the system's outcome count (labels are event * outcomes + outcome). */
  constructor(
    readonly inner: StateSpace,
    private readonly outcomes: number,
    events: number,
  ) {
    this.log = new EdgeLog(outcomes, events);
    this.direct = canRecord(inner);
    if (canRecord(inner)) inner.recordEdges(this.log);
    this.record = (event, outcome, child, isNew, fired) => {
      if (child < 0) throw new Error('engine: graph recording needs a space that indexes seen states');
      this.log.targets.push(child);
      this.log.labels.push(event * this.outcomes + outcome);
      this.sink(event, outcome, child, isNew, fired);
    };
  }

  get size(): number {
    return this.inner.size;
  }
  get bytes(): number {
    const f = this.flat;
    const flat = f === undefined ? 0 : f.offsets.byteLength + f.targets.byteLength + f.labels.byteLength;
    return this.inner.bytes + this.log.bytes + flat;
  }
  addInitial(): void {
    this.inner.addInitial();
  }
  /** Stores a root state in the inner space (see CompiledSpace.addRoot); its index. */
  addRoot(locals: Int32Array): number {
    const inner = this.inner as StateSpace & Partial<RootedSpace>;
    if (inner.addRoot === undefined) throw new Error('engine: this space cannot store root states');
    return inner.addRoot(locals);
  }
  expand(i: number, open: number, sink: Sink): number {
    this.expanded++;
    if (this.direct) return this.inner.expand(i, open, sink);
    const log = this.log;
    log.start.put(i, log.targets.size);
    this.sink = sink;
    const mask = this.inner.expand(i, open, this.record);
    log.end.put(i, log.targets.size);
    return mask;
  }
  /**
   * Records the edges of parents first, first + 1, ... expanded elsewhere (worker
   * threads): counts[k] edges of parent first + k, taken in order from targets and labels.
   */
  recordBulk(first: number, counts: Int32Array, targets: Int32Array, labels: Uint32Array): void {
    const log = this.log;
    let e = 0;
    for (let k = 0; k < counts.length; k++) {
      log.start.put(first + k, log.targets.size);
      const end = e + (counts[k] as number);
      for (; e < end; e++) {
        log.targets.push(targets[e] as number);
        log.labels.push(labels[e] as number);
      }
      log.end.put(first + k, log.targets.size);
      this.expanded++;
    }
  }

  hasNewSuccessor(i: number): boolean {
    return this.inner.hasNewSuccessor(i);
  }
  /** A checkpoint would lose the recorded edges, so runs that judge progress properties take none. */
  snapshot(): SpaceSnapshot {
    throw new InputError(
      'usage',
      'checkpoints are not supported for models with progress properties (their graph is recorded in memory); run without --checkpoint',
    );
  }
  restore(): void {
    this.snapshot();
  }
  fired(i: number, open: number): number {
    return this.inner.fired(i, open);
  }
  worldOf(i: number): World {
    return this.inner.worldOf(i);
  }
  parentOf(i: number): number {
    return this.inner.parentOf(i);
  }
  eventOf(i: number): number {
    return this.inner.eventOf(i);
  }
  /** True when every stored state was expanded (the graph is complete). */
  get expandedAll(): boolean {
    return this.expanded === this.inner.size;
  }
  /**
   * Called once the search is over: the inner space may free its index of seen states
   * (no state is expanded or looked up after it), before the graph is flattened.
   */
  searchDone(): void {
    const inner = this.inner as StateSpace & { releaseIndex?: () => void };
    inner.releaseIndex?.();
  }

  /**
   * The recorded graph as flat arrays, built once after the search (the growable columns
   * are released then, so no further state may be expanded).
   */
  csr(): Csr {
    if (this.flat !== undefined) return this.flat;
    const log = this.log;
    const n = this.inner.size;
    const edges = log.targets.size;
    if (edges >= 2 ** 31) throw new Error('engine: more than 2^31 recorded edges');
    const offsets = new Int32Array(n + 1);
    const targets = new Int32Array(edges);
    const labels = log.labels instanceof Uint32Column ? new Uint32Array(edges) : new Uint16Array(edges);
    let inOrder = true;
    for (let s = 0; s < n && inOrder; s++) {
      const from = s < log.start.size ? log.start.get(s) : 0;
      const to = s < log.end.size ? log.end.get(s) : 0;
      if (from !== (s === 0 ? 0 : offsets[s]) || to < from) inOrder = false;
      else offsets[s + 1] = to;
    }
    if (inOrder && offsets[n] === edges) {
      log.targets.drainInto(new Uint32Array(targets.buffer));
      if (labels instanceof Uint32Array && log.labels instanceof Uint32Column) log.labels.drainInto(labels);
      else if (labels instanceof Uint16Array && log.labels instanceof Uint16Column)
        log.labels.drainInto(labels);
    } else {
      // States expanded out of order (DFS) or not at all: copy each state's range.
      let at = 0;
      for (let s = 0; s < n; s++) {
        offsets[s] = at;
        const to = s < log.end.size ? log.end.get(s) : 0;
        for (let e = s < log.start.size ? log.start.get(s) : 0; e < to; e++, at++) {
          targets[at] = log.targets.get(e);
          labels[at] = log.labels.get(e);
        }
      }
      offsets[n] = at;
    }
    this.flat = { n, offsets, targets, labels, outcomes: this.outcomes };
    log.clear();
    return this.flat;
  }
  edgeStart(s: number): number {
    return this.csr().offsets[s] as number;
  }
  edgeEnd(s: number): number {
    return this.csr().offsets[s + 1] as number;
  }
  target(e: number): number {
    return this.csr().targets[e] as number;
  }
  label(e: number): number {
    return this.csr().labels[e] as number;
  }
  event(e: number): number {
    return Math.floor(this.label(e) / this.outcomes);
  }
  outcome(e: number): number {
    return this.label(e) % this.outcomes;
  }
}
