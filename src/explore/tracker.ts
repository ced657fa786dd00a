// Tracks which properties are still open during a search and where each was decided:
// the first violating (always) or witnessing (sometimes) state or step, in search order.
import { InputError } from '../errors.js';
import { at, type CompiledSystem } from '../system.js';

/** Properties are tracked in 31-bit masks. */
export const MAX_PROPERTIES = 31;
import type { StateSpace } from './space.js';

/** Where a property was decided: at state `state`, or on the step `state --event--> …`. */
export interface Finding {
  readonly state: number;
  readonly event?: number;
}

export class PropertyTracker {
  readonly found: (Finding | undefined)[];
  private openStateMask: number;
  private openStep: number[];
  private readonly nOutcomes: number;
  /** fired[e] = 1 once world event e was taken in this search (the lint's "never enabled"). */
  readonly fired: Uint8Array;
  /** False after a restore: events taken before the checkpoint are not known. */
  firedKnown = true;

  constructor(private readonly sys: CompiledSystem) {
    this.found = sys.properties.map(() => undefined);
    this.fired = new Uint8Array(sys.events.length);
    if (sys.properties.length > MAX_PROPERTIES) {
      throw new InputError('bad_model', `${sys.modelId}: at most ${MAX_PROPERTIES} properties per model`);
    }
    this.openStateMask = sys.properties.reduce(
      (m, p, i) => (p.over === 'state' || p.over === 'each' ? m | (1 << i) : m),
      0,
    );
    this.openStep = sys.properties.flatMap((p, i) => (p.over === 'step' ? [i] : []));
    this.nOutcomes = sys.outcomes.length;
  }

  /** True when every property is decided (further search cannot change a verdict). */
  get allDecided(): boolean {
    return this.openStateMask === 0 && this.openStep.length === 0;
  }

  /** State-level properties still open, as a bitmask over property indices. */
  get openState(): number {
    return this.openStateMask;
  }

  /** Step properties still open, as a bitmask over property indices. */
  get openStepMask(): number {
    return this.openStep.reduce((m, p) => m | (1 << p), 0);
  }

  /** Evaluates the open state-level properties at a state the strategy does not expand. */
  checkState(space: StateSpace, i: number): void {
    if (this.openStateMask !== 0) this.record(i, space.fired(i, this.openStateMask));
  }

  /** Records the properties in `mask` (as returned by fired/expand) as decided at state `i`. */
  record(i: number, mask: number): void {
    if (mask === 0) return;
    for (let p = 0; p < this.found.length; p++) {
      if ((mask & (1 << p)) !== 0) this.found[p] = { state: i };
    }
    this.openStateMask &= ~mask;
  }

  /** Indices of the world events taken so far (for checkpoints). */
  firedEvents(): number[] {
    return this.sys.events.flatMap((e) => (this.fired[e.index] === 1 ? [e.index] : []));
  }

  /**
   * Continues from the findings of a checkpointed search (open sets follow from them) and
   * the events it had taken (unknown when the checkpoint did not record them).
   */
  restore(found: readonly (Finding | undefined)[], fired?: readonly number[]): void {
    if (fired === undefined) this.firedKnown = false;
    else for (const e of fired) this.fired[e] = 1;
    found.forEach((f, p) => {
      this.found[p] = f;
      if (f !== undefined) this.openStateMask &= ~(1 << p);
    });
    this.openStep = this.openStep.filter((p) => this.found[p] === undefined);
  }

  /** Called for every transition the search takes (every strategy goes through here). */
  checkStep(from: number, event: number, outcome: number): void {
    this.fired[event] = 1;
    if (this.openStep.length === 0) return;
    let closed = false;
    for (const p of this.openStep) {
      const holds = at(this.sys.stepTables, p, 'step table')?.[event * this.nOutcomes + outcome] === 1;
      if (holds !== (at(this.sys.properties, p, 'property').kind === 'always')) {
        this.found[p] = { state: from, event };
        closed = true;
      }
    }
    if (closed) this.openStep = this.openStep.filter((p) => this.found[p] === undefined);
  }
}
