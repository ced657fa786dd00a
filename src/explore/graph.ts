// The explored state graph, recorded while a strategy expands states: forward edges in
// CSR form (each state's edges are contiguous because a state is expanded once).
// Progress properties are judged on it after an exhaustive search.
import type { World } from '../world.js';
import { InputError } from '../errors.js';
import type { Sink, SpaceSnapshot, StateSpace } from './space.js';
import { uint16Column, uint32Column, type ChunkedColumn } from './store.js';

export interface StateGraph {
  readonly size: number;
  /** Edges of state s are [edgeStart(s), edgeEnd(s)). */
  edgeStart(s: number): number;
  edgeEnd(s: number): number;
  target(e: number): number;
  event(e: number): number;
  outcome(e: number): number;
}

/**
 * A StateSpace that forwards to `inner` and records every edge. The inner space must
 * index seen states (children are never -1), and every state must be expanded at most
 * once, in any order.
 */
export class GraphRecorder implements StateSpace, StateGraph {
  private readonly start = new Map<number, number>();
  private readonly end = new Map<number, number>();
  private readonly targets = uint32Column();
  private readonly events = uint16Column();
  private readonly outcomes: ChunkedColumn<Uint16Array> = uint16Column();

  constructor(readonly inner: StateSpace) {}

  get size(): number {
    return this.inner.size;
  }
  get bytes(): number {
    return this.inner.bytes + this.targets.bytes + this.events.bytes + this.outcomes.bytes;
  }
  addInitial(): void {
    this.inner.addInitial();
  }
  expand(i: number, open: number, sink: Sink): number {
    this.start.set(i, this.targets.size);
    const mask = this.inner.expand(i, open, (event, outcome, child, isNew, fired) => {
      if (child < 0) throw new Error('engine: graph recording needs a space that indexes seen states');
      this.targets.push(child);
      this.events.push(event);
      this.outcomes.push(outcome);
      sink(event, outcome, child, isNew, fired);
    });
    this.end.set(i, this.targets.size);
    return mask;
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
    return this.start.size === this.inner.size;
  }
  edgeStart(s: number): number {
    return this.start.get(s) ?? 0;
  }
  edgeEnd(s: number): number {
    return this.end.get(s) ?? 0;
  }
  target(e: number): number {
    return this.targets.get(e);
  }
  event(e: number): number {
    return this.events.get(e);
  }
  outcome(e: number): number {
    return this.outcomes.get(e);
  }
}
