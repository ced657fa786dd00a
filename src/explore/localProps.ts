// Evaluates tracked properties on local-state vectors (one local state id per instance),
// as the compiled spaces store states: `each` properties by table lookup, `state`
// properties through a world view over the vector, `transition` properties through views
// over the parent's and the successor's vectors.
import type { AnyMachineSnapshot } from 'xstate';
import type { WorldView } from '../property.js';
import { at, kindOf, type CompiledSystem } from '../system.js';
import { idsOfKind, transitionView } from '../world.js';

export class LocalProperties {
  /** Per instance with `each` properties: bitmask of those that fire, by local state. */
  readonly fireTables: readonly (readonly [number, Int32Array])[];
  /** Tracked indices of properties with scope 'state' (evaluated through the world view). */
  readonly globalProps: readonly number[];
  /** Bitmask of the tracked properties with scope 'transition' (0: none). */
  readonly transitionMask: number;
  private viewLocals: Int32Array;
  private afterLocals: Int32Array;
  private readonly view: WorldView;
  private readonly afterView: WorldView;

  constructor(private readonly sys: CompiledSystem) {
    this.fireTables = fireTables(sys);
    this.globalProps = sys.tracked.flatMap((p, i) => (p.over === 'state' ? [i] : []));
    this.transitionMask = sys.tracked.reduce((m, p, i) => (p.over === 'transition' ? m | (1 << i) : m), 0);
    this.viewLocals = new Int32Array(sys.instances.length);
    this.afterLocals = this.viewLocals;
    this.view = localsView(sys, () => this.viewLocals);
    this.afterView = localsView(sys, () => this.afterLocals);
  }

  /**
   * Bitmask of the transition properties among `open` that fire (fail for always, hold for
   * sometimes) on the transition from `before` by `event` with outcome code `outcome` to `after`.
   */
  transitionFired(
    before: Int32Array,
    after: Int32Array,
    event: number,
    outcome: number,
    open: number,
  ): number {
    const live = open & this.transitionMask;
    if (live === 0) return 0;
    this.viewLocals = before;
    this.afterLocals = after;
    const view = transitionView(this.sys, event, outcome, this.view, this.afterView);
    let mask = 0;
    for (let p = 0; p < this.sys.tracked.length; p++) {
      if ((live & (1 << p)) === 0) continue;
      const prop = at(this.sys.tracked, p, 'property');
      if (prop.over === 'transition' && prop.test(view) !== (prop.kind === 'always')) mask |= 1 << p;
    }
    return mask;
  }

  /** Bitmask of the properties among `open` that fire (fail for always, hold for sometimes) at `locals`. */
  maskOf(locals: Int32Array, open: number): number {
    if (open === 0) return 0;
    let mask = 0;
    for (const [inst, table] of this.fireTables) mask |= table[locals[inst] as number] as number;
    if (this.globalProps.length > 0) {
      this.viewLocals = locals;
      for (const p of this.globalProps) {
        const prop = at(this.sys.tracked, p, 'property');
        if (
          (open & (1 << p)) !== 0 &&
          prop.over === 'state' &&
          prop.test(this.view) !== (prop.kind === 'always')
        ) {
          mask |= 1 << p;
        }
      }
    }
    return mask & open;
  }
}

/**
 * For every instance whose kind has `each` properties: a table from local state to the
 * bitmask of those properties that fire there (fail for always, hold for sometimes).
 * The state's mask is the OR over instances: an always-each property fails when some
 * instance fails, a sometimes-each one is witnessed when some instance satisfies it.
 */
function fireTables(sys: CompiledSystem): [number, Int32Array][] {
  const byKind = sys.kinds.map((k) => new Int32Array(k.states.length));
  const used = new Set<number>();
  sys.tracked.forEach((p, i) => {
    if (p.over !== 'each') return;
    const k = sys.kindIndex.get(p.machine) as number;
    used.add(k);
    const holds = sys.localTables[i] as Uint8Array;
    const table = byKind[k] as Int32Array;
    for (let l = 0; l < table.length; l++) {
      if ((holds[l] === 1) !== (p.kind === 'always')) table[l] = (table[l] as number) | (1 << i);
    }
  });
  return sys.instances.filter((i) => used.has(i.kind)).map((i) => [i.index, byKind[i.kind] as Int32Array]);
}

/** A world view over a local-state vector that `locals()` returns at the time of each call. */
export function localsView(sys: CompiledSystem, locals: () => Int32Array): WorldView {
  return {
    get: (id: string): AnyMachineSnapshot => {
      const i = sys.instanceIndex.get(id);
      if (i === undefined) throw new Error(`property asked for unknown machine '${id}'`);
      return kindOf(sys, i).states[locals()[i] as number] as AnyMachineSnapshot;
    },
    ids: (kind: string) => idsOfKind(sys, kind),
  };
}
