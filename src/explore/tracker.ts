// Tracks which properties are still open during a search and where each was decided:
// the first violating (always) or witnessing (sometimes) state, step or transition, in
// search order. Indices are those of sys.tracked: the system's properties, then the
// hidden reachability properties of their premises.
import { at, type CompiledSystem } from '../system.js';
import type { StateSpace } from './space.js';

/** Where a property was decided: at state `state`, or on the step `state --event--> …`. */
export interface Finding {
  readonly state: number;
  readonly event?: number;
}

export class PropertyTracker {
  readonly found: (Finding | undefined)[];
  private openStateMask: number;
  private openTransitionMask: number;
  private openStep: number[];
  private readonly nOutcomes: number;
  /**
   * taken[e] = 1 once world event e was taken in this search (the lint's "never enabled");
   * every strategy reports every transition through checkStep.
   */
  readonly taken: Uint8Array;
  /** False after a restore from a checkpoint that did not record the events taken. */
  takenKnown = true;

  constructor(private readonly sys: CompiledSystem) {
    this.found = sys.tracked.map(() => undefined);
    this.taken = new Uint8Array(sys.events.length);
    const maskOf = (over: string): number =>
      sys.tracked.reduce((m, p, i) => (p.over === over ? m | (1 << i) : m), 0);
    this.openStateMask = maskOf('state') | maskOf('each');
    this.openTransitionMask = maskOf('transition');
    this.openStep = sys.tracked.flatMap((p, i) => (p.over === 'step' ? [i] : []));
    this.nOutcomes = sys.outcomes.length;
  }

  /** True when every property is decided (further search cannot change a verdict). */
  get allDecided(): boolean {
    return this.openStateMask === 0 && this.openTransitionMask === 0 && this.openStep.length === 0;
  }

  /**
   * Properties a space evaluates while expanding, as a bitmask over tracked indices: the
   * open state-level ones (at the expanded state) and the open transition ones (on each
   * transition out of it).
   */
  get openState(): number {
    return this.openStateMask | this.openTransitionMask;
  }

  /** Step properties still open, as a bitmask over property indices. */
  get openStepMask(): number {
    return this.openStep.reduce((m, p) => m | (1 << p), 0);
  }

  /** Evaluates the open state-level properties at a state the strategy does not expand. */
  checkState(space: StateSpace, i: number): void {
    if (this.openStateMask !== 0) this.record(i, space.fired(i, this.openStateMask));
  }

  /** Records the state-level properties in `mask` (as returned by fired/expand) as decided at state `i`. */
  record(i: number, mask: number): void {
    const decided = mask & this.openStateMask;
    if (decided === 0) return;
    for (let p = 0; p < this.found.length; p++) {
      if ((decided & (1 << p)) !== 0) this.found[p] = { state: i };
    }
    this.openStateMask &= ~decided;
  }

  /** Indices of the world events taken so far (for checkpoints). */
  takenEvents(): number[] {
    return this.sys.events.flatMap((e) => (this.taken[e.index] === 1 ? [e.index] : []));
  }

  /**
   * Continues from the findings of a checkpointed search (open sets follow from them) and
   * the events it had taken (unknown when the checkpoint did not record them).
   */
  restore(found: readonly (Finding | undefined)[], taken?: readonly number[]): void {
    if (taken === undefined) this.takenKnown = false;
    else for (const e of taken) this.taken[e] = 1;
    found.forEach((f, p) => {
      this.found[p] = f;
      if (f !== undefined) {
        this.openStateMask &= ~(1 << p);
        this.openTransitionMask &= ~(1 << p);
      }
    });
    this.openStep = this.openStep.filter((p) => this.found[p] === undefined);
  }

  /**
   * A transition from state `from` by `event` with outcome code `outcome`; `fired` is the
   * bitmask of transition properties the space found firing on it (see openState).
   */
  checkStep(from: number, event: number, outcome: number, fired = 0): void {
    this.taken[event] = 1;
    const transitions = fired & this.openTransitionMask;
    if (transitions !== 0) {
      for (let p = 0; p < this.found.length; p++) {
        if ((transitions & (1 << p)) !== 0) this.found[p] = { state: from, event };
      }
      this.openTransitionMask &= ~transitions;
    }
    if (this.openStep.length === 0) return;
    let closed = false;
    for (const p of this.openStep) {
      const holds = at(this.sys.stepTables, p, 'step table')?.[event * this.nOutcomes + outcome] === 1;
      if (holds !== (at(this.sys.tracked, p, 'property').kind === 'always')) {
        this.found[p] = { state: from, event };
        closed = true;
      }
    }
    if (closed) this.openStep = this.openStep.filter((p) => this.found[p] === undefined);
  }
}
