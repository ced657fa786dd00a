// Fast folds of event paths for the shrinker and random search: states live in a state
// space without symmetry reduction (compiled when the model packs, else interpreted),
// and each state's successors are computed once and memoised, so the many candidates a
// shrinker replays share the work of their common prefixes.
import { tryCompiledSpace } from './explore/compiledSpace.js';
import { InterpretedSpace } from './explore/interpretedSpace.js';
import type { StateSpace } from './explore/space.js';
import type { CompiledSystem } from './system.js';
import { transitionTestHolds } from './world.js';

interface Successors {
  /** child[e]: successor state index under event e, or -1 when e is not enabled. */
  readonly child: Int32Array;
  /** outcome[e]: outcome code (index into sys.outcomes) of event e. */
  readonly outcome: Int32Array;
}

export class PathFolder {
  readonly space: StateSpace;
  private readonly memo = new Map<number, Successors>();

  constructor(readonly sys: CompiledSystem) {
    this.space =
      tryCompiledSpace(sys, { symmetry: false, indexSeen: true }) ?? new InterpretedSpace(sys, false);
    this.space.addInitial();
  }

  /** Index of the initial state. */
  get initial(): number {
    return 0;
  }

  successors(i: number): Successors {
    let s = this.memo.get(i);
    if (s === undefined) {
      const n = this.sys.events.length;
      const found: Successors = { child: new Int32Array(n).fill(-1), outcome: new Int32Array(n) };
      this.space.expand(i, 0, (event, outcome, child) => {
        found.child[event] = child;
        found.outcome[event] = outcome;
      });
      s = found;
      this.memo.set(i, s);
    }
    return s;
  }

  /** True when safety property `p` fires (always fails, sometimes holds) in state `i`. */
  firesAt(p: number, i: number): boolean {
    return this.space.fired(i, 1 << p) !== 0;
  }

  /**
   * True when step or transition property `p` fires on event `e` with outcome code `o`
   * from state `from` to state `to` (transitions are judged on the stored worlds).
   */
  firesOn(p: number, e: number, o: number, from: number, to: number): boolean {
    const prop = this.sys.tracked[p];
    if (prop === undefined) return false;
    if (prop.over === 'transition') {
      const holds = transitionTestHolds(
        this.sys,
        prop,
        e,
        o,
        this.space.worldOf(from),
        this.space.worldOf(to),
      );
      return holds !== (prop.kind === 'always');
    }
    const table = this.sys.stepTables[p];
    if (table === undefined) return false;
    return (table[e * this.sys.outcomes.length + o] === 1) !== (prop.kind === 'always');
  }

  /**
   * Length of the shortest prefix of `path` at whose end property `p` fires; undefined
   * when an event is not enabled first, or `p` never fires along the path. Agrees with
   * the interpreted `firstFiring` of src/shrink.ts (tested).
   */
  firstFiring(p: number, path: readonly number[]): number | undefined {
    const prop = this.sys.tracked[p];
    if (prop === undefined || (prop.kind !== 'always' && prop.kind !== 'sometimes')) return undefined;
    const onStep = prop.over === 'step' || prop.over === 'transition';
    let cur = this.initial;
    if (!onStep && this.firesAt(p, cur)) return 0;
    for (let k = 0; k < path.length; k++) {
      const e = path[k] as number;
      const s = this.successors(cur);
      const child = s.child[e] ?? -1;
      if (child < 0) return undefined;
      if (onStep ? this.firesOn(p, e, s.outcome[e] as number, cur, child) : this.firesAt(p, child))
        return k + 1;
      cur = child;
    }
    return undefined;
  }
}
