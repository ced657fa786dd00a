// Test helper: the whole reachable graph of a small model variant by plain interpretation,
// so focused tests can check deadlocks and reachability claims that the shipped progress
// properties will judge once the graph judge exists.
import type { AnyModel } from '../../src/model.js';
import type { Property, WorldView } from '../../src/property.js';
import { compileSystem } from '../../src/system.js';
import { enabledEvents, initialWorld, stepWorld, worldKey, worldView, type World } from '../../src/world.js';

export interface Graph {
  readonly views: readonly WorldView[];
  /** succ[i]: successor state indices of state i (with repetitions, self-loops included). */
  readonly succ: readonly (readonly number[])[];
}

/** Breadth-first reachable graph of `variant` at `params` (keep it to a few hundred states). */
export function reachableGraph(model: AnyModel, variant: string, params: Record<string, number>): Graph {
  const sys = compileSystem(model, params, variant);
  const worlds: World[] = [initialWorld(sys)];
  const index = new Map([[worldKey(worlds[0] as World), 0]]);
  const succ: number[][] = [];
  for (let i = 0; i < worlds.length; i++) {
    const w = worlds[i] as World;
    const out: number[] = [];
    for (const e of enabledEvents(sys, w)) {
      const next = stepWorld(sys, w, e)?.world;
      if (next === undefined) continue;
      const key = worldKey(next);
      let j = index.get(key);
      if (j === undefined) {
        j = worlds.length;
        index.set(key, j);
        worlds.push(next);
      }
      out.push(j);
    }
    succ.push(out);
  }
  return { views: worlds.map((w) => worldView(sys, w)), succ };
}

/** States with no successor other than themselves (deadlocked, or spinning in place). */
export function stuckStates(g: Graph): number[] {
  return g.succ.flatMap((out, i) => (out.every((j) => j === i) ? [i] : []));
}

/** States from which no state satisfying `goal` is reachable. */
export function cannotReach(g: Graph, goal: (v: WorldView) => boolean): number[] {
  const pred: number[][] = g.succ.map(() => []);
  g.succ.forEach((out, i) => out.forEach((j) => pred[j]?.push(i)));
  const good = new Set(g.views.flatMap((v, i) => (goal(v) ? [i] : [])));
  const queue = [...good];
  for (let k = 0; k < queue.length; k++)
    for (const p of pred[queue[k] as number] ?? [])
      if (!good.has(p)) {
        good.add(p);
        queue.push(p);
      }
  return g.views.flatMap((_, i) => (good.has(i) ? [] : [i]));
}

/**
 * Expected verdict of a `possibly` property with a state goal or a `deadlock-free` property
 * on the explicit graph: a reference for the graph judge, not a replacement for it.
 */
export function judgeOnGraph(g: Graph, p: Property): 'holds' | 'violated' {
  if (p.over !== 'graph') throw new Error(`${p.name} is not a progress property`);
  if (p.kind === 'deadlock-free') {
    const terminal = p.terminal;
    const stuck = stuckStates(g).filter((i) => terminal === undefined || !terminal(g.views[i] as WorldView));
    return stuck.length === 0 ? 'holds' : 'violated';
  }
  if (p.kind === 'possibly' && 'state' in p.goal && p.excluding === undefined)
    return cannotReach(g, p.goal.state).length === 0 ? 'holds' : 'violated';
  throw new Error(`${p.name}: only deadlock-free and possibly with a state goal are judged here`);
}
