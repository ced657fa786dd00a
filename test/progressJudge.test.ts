// The progress judge against a reference: every shipped variant's progress properties at
// default parameters, judged by the engine (CSR graph, iterative Tarjan, typed arrays) and
// by a plain reading of their definitions on the graph built by XState interpretation.
// Also: state tests compiled to decision trees answer as the tests do, 'vacuous' for an
// obligation never triggered, fairness as a predicate, and a stop condition inside judging.
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { models } from '../models/index.js';
import { checkRun } from '../src/check.js';
import { compileStateTest, walkTree } from '../src/explore/stateTests.js';
import { defineModel, participant, type AnyModel } from '../src/model.js';
import { eventually, isFair, type ProgressProperty, type StateTest } from '../src/property.js';
import { snapshotKey } from '../src/machines.js';
import { compileSystem, kindOf, type CompiledSystem } from '../src/system.js';
import { initialWorld, stepWorld, worldKey, worldView, type World } from '../src/world.js';

const defaults = (m: AnyModel): Record<string, number> =>
  Object.fromEntries(Object.entries(m.params).map(([k, p]) => [k, p.default]));

interface Edge {
  readonly to: number;
  readonly event: number;
  readonly outcome: string;
}

/** Reachable graph by plain interpretation, or undefined past `limit` states. */
function explicitGraph(sys: CompiledSystem, limit: number): { worlds: World[]; out: Edge[][] } | undefined {
  const worlds: World[] = [initialWorld(sys)];
  const index = new Map([[worldKey(worlds[0] as World), 0]]);
  const out: Edge[][] = [];
  for (let i = 0; i < worlds.length; i++) {
    const edges: Edge[] = [];
    for (let e = 0; e < sys.events.length; e++) {
      const step = stepWorld(sys, worlds[i] as World, e);
      if (step === undefined) continue;
      const key = worldKey(step.world);
      let j = index.get(key);
      if (j === undefined) {
        if (worlds.length >= limit) return undefined;
        j = worlds.length;
        index.set(key, j);
        worlds.push(step.world);
      }
      edges.push({ to: j, event: e, outcome: step.outcome });
    }
    out.push(edges);
  }
  return { worlds, out };
}

/** Forward closure from `from` over `allowed` edges. */
function closure(
  out: Edge[][],
  from: readonly number[],
  allowed: (s: number, e: Edge) => boolean,
): Set<number> {
  const seen = new Set(from);
  const queue = [...from];
  for (let h = 0; h < queue.length; h++) {
    const s = queue[h] as number;
    for (const e of out[s] ?? []) {
      if (allowed(s, e) && !seen.has(e.to)) {
        seen.add(e.to);
        queue.push(e.to);
      }
    }
  }
  return seen;
}

/** The definitions of the three progress kinds, read plainly (quadratic; small graphs only). */
function reference(sys: CompiledSystem, g: { worlds: World[]; out: Edge[][] }, p: ProgressProperty): string {
  const holds = (t: StateTest, s: number): boolean => t(worldView(sys, g.worlds[s] as World));
  const n = g.worlds.length;
  const states = Array.from({ length: n }, (_, s) => s);
  if (p.kind === 'deadlock-free') {
    const stuck = states.filter((s) => (g.out[s] ?? []).every((e) => e.to === s));
    return stuck.some((s) => !(p.terminal !== undefined && holds(p.terminal, s))) ? 'violated' : 'holds';
  }
  const goal = p.goal;
  const step = (e: Edge): boolean => {
    const ev = sys.events[e.event];
    return ev !== undefined && 'step' in goal && goal.step({ ...ev, outcome: e.outcome });
  };
  const goalState = (s: number): boolean => 'state' in goal && holds(goal.state, s);
  if (p.kind === 'possibly') {
    const excluded = (e: Edge): boolean => {
      const ev = sys.events[e.event];
      return ev !== undefined && p.excluding?.({ ...ev, outcome: e.outcome }) === true;
    };
    const canReach = (s: number): boolean => {
      const reach = closure(g.out, [s], (_x, e) => !excluded(e));
      return [...reach].some((x) => goalState(x) || (g.out[x] ?? []).some((e) => !excluded(e) && step(e)));
    };
    return states.every(canReach) ? 'holds' : 'violated';
  }
  const triggers = states.filter((s) => (p.after === undefined ? s === 0 : holds(p.after, s)));
  if (p.after !== undefined && triggers.length === 0) return 'vacuous';
  const inH = (s: number, e: Edge): boolean => !goalState(s) && !step(e) && !goalState(e.to);
  const region = closure(
    g.out,
    triggers.filter((s) => !goalState(s)),
    inH,
  );
  if ([...region].some((s) => (g.out[s] ?? []).length === 0)) return 'violated';
  for (const s of region) {
    const forward = closure(g.out, [s], inH);
    const scc = [...forward].filter((x) => closure(g.out, [x], inH).has(s));
    const members = new Set(scc);
    const internal = scc.flatMap((x) => (g.out[x] ?? []).filter((e) => inH(x, e) && members.has(e.to)));
    if (internal.length === 0) continue;
    const fair = sys.events.filter((e) => isFair(p.fair, e));
    const ok = fair.every(
      (ev) =>
        !scc.every((x) => (g.out[x] ?? []).some((e) => e.event === ev.index)) ||
        internal.some((e) => e.event === ev.index),
    );
    if (ok) return 'violated';
  }
  return 'holds';
}

describe('progress judge against the plain definitions', () => {
  for (const m of models) {
    if (!m.properties.some((p) => p.over === 'graph')) continue;
    for (const variant of Object.keys(m.variants)) {
      it(`${m.id}:${variant}`, () => {
        const sys = compileSystem(m, defaults(m), variant);
        const g = explicitGraph(sys, 3000);
        if (g === undefined) return;
        const run = checkRun(m, defaults(m), variant, {
          engine: 'compiled',
          strategy: 'bfs',
          symmetry: true,
        });
        sys.properties.forEach((p, i) => {
          if (p.over !== 'graph') return;
          expect({ [p.name]: run.properties[i]?.verdict }).toEqual({ [p.name]: reference(sys, g, p) });
        });
      });
    }
  }
});

const allShared: StateTest = (w) => w.ids('page').every((id) => w.get(id).matches({ attr: 'shared' }));

describe('state tests compiled to decision trees', () => {
  const m = models.find((x) => x.id === 'guest-memfd-inplace') as AnyModel;
  const sys = compileSystem(m, { folios: 2, pagesPerFolio: 1, converters: 1 }, 'fixed');
  const g = explicitGraph(sys, 5000);
  const locals = (w: World): Int32Array =>
    Int32Array.from(w, (snap, i) => kindOf(sys, i).stateIndex.get(snapshotKey(snap)) ?? -1);

  it('answer every reachable state as the test itself, reading only what it may read', () => {
    const tests: StateTest[] = [
      (w) => w.get('converter0').matches('zapped') && w.get('page0').matches({ pin: 'unpinned' }),
      (w) => w.ids('page').some((id) => w.get(id).matches({ hostMap: 'mapped' })),
      () => true,
    ];
    for (const test of tests) {
      const c = compileStateTest(sys, test);
      for (const w of g?.worlds ?? []) {
        const l = locals(w);
        expect(c.holds((inst) => l[inst] as number)).toBe(test(worldView(sys, w)));
      }
    }
    const conv = sys.instanceIndex.get('converter0') as number;
    const page = sys.instanceIndex.get('page0') as number;
    expect(compileStateTest(sys, tests[0] as StateTest).reads).toEqual([page, conv].sort((a, b) => a - b));
    expect(compileStateTest(sys, tests[2] as StateTest).reads).toEqual([]);
  });

  it('past the node budget the test is evaluated directly and may read everything', () => {
    const test = allShared;
    const c = compileStateTest(sys, test, 5);
    expect([c.reads, c.tree]).toEqual([undefined, undefined]);
    for (const w of g?.worlds ?? []) {
      const l = locals(w);
      expect(c.holds((inst) => l[inst] as number)).toBe(test(worldView(sys, w)));
    }
    const full = compileStateTest(sys, test);
    expect(full.tree).toBeDefined();
    const l = locals(initialWorld(sys));
    expect(walkTree(full.tree as Int32Array, (inst) => l[inst] as number)).toBe(-2);
  });
});

const toggle = setup({ types: { events: {} as { type: 'flip' } | { type: 'spin' } } }).createMachine({
  id: 'toggle',
  initial: 'off',
  states: { off: { on: { flip: 'on', spin: {} } }, on: { on: { flip: 'off' } } },
});
const never = setup({}).createMachine({ id: 'never', initial: 'idle', states: { idle: {}, armed: {} } });

const toy = defineModel<never, 'only'>({
  id: 'toy-obligation',
  title: 'toy',
  summary: 'a toggle that may spin while off',
  sources: ['test'],
  params: {},
  variants: { only: { doc: 'the only variant', flaws: [], expect: {} } },
  properties: [
    eventually(
      'armed-leads-on',
      'never triggered',
      { state: (w) => w.get('t').matches('on') },
      {
        after: (w) => w.get('n').matches('armed'),
      },
    ),
    eventually(
      'on-listed',
      'spinning is a fair loop when only flips are fair',
      {
        state: (w) => w.get('t').matches('on'),
      },
      { fair: ['spin'] },
    ),
    eventually(
      'on-predicate',
      'the same with fairness as a predicate',
      {
        state: (w) => w.get('t').matches('on'),
      },
      { fair: (e) => e.type === 'spin' },
    ),
    eventually('on-all-fair', 'flip is fair and always enabled', { state: (w) => w.get('t').matches('on') }),
  ],
  build: () => ({
    machines: [
      { id: 't', machine: toggle },
      { id: 'n', machine: never },
    ],
    events: [
      { actor: 't', type: 'flip', args: {}, sync: [participant('t', { type: 'flip' })] },
      { actor: 't', type: 'spin', args: {}, sync: [participant('t', { type: 'spin' })] },
    ],
  }),
});

describe('eventually: vacuity, fairness predicates and stopping', () => {
  it('is vacuous when its trigger holds nowhere; fairness lists and predicates agree', () => {
    const r = checkRun(toy, {}, 'only', { engine: 'compiled', strategy: 'bfs', symmetry: false });
    expect(Object.fromEntries(r.properties.map((p) => [p.name, p.verdict]))).toEqual({
      'armed-leads-on': 'vacuous',
      'on-listed': 'violated',
      'on-predicate': 'violated',
      'on-all-fair': 'holds',
    });
    const [, listed, predicate] = r.properties;
    expect([predicate?.path, predicate?.loop]).toEqual([listed?.path, listed?.loop]);
  });

  it('a stop condition that fires while judging leaves progress verdicts unknown', () => {
    let searching = false;
    const m = models.find((x) => x.id === 'guest-memfd-inplace') as AnyModel;
    const r = checkRun(m, { folios: 2, pagesPerFolio: 1, converters: 1 }, 'fixed', {
      engine: 'compiled',
      strategy: 'bfs',
      symmetry: false,
      // The search polls its progress, then the stop; the judge polls only the stop. The
      // condition fires at the first poll that does not follow a progress report: the judge's.
      onProgress: () => {
        searching = true;
      },
      shouldStop: () => {
        const fromSearch = searching;
        searching = false;
        return fromSearch ? undefined : 'max-seconds';
      },
    });
    expect(r.complete).toBe(true);
    expect(r.stopReason).toBe('max-seconds');
    const progress = r.properties.filter((p) => p.kind === 'eventually');
    expect(progress.map((p) => p.verdict)).toEqual(['unknown', 'unknown']);
    expect(r.properties.find((p) => p.name === 'no-pin-on-private')?.verdict).toBe('holds');
  });
});
