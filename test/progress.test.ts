// The graph judge for progress properties on a toy model whose verdicts are known by hand:
// a worker retries an operation that fails while a holder keeps a resource.
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { checkRun } from '../src/check.js';
import { defineModel, participant, type WorldEventSpec } from '../src/model.js';
import { outcome, outcomeActions } from '../src/outcome.js';
import { deadlockFree, eventually, possibly } from '../src/property.js';
import { replay } from '../src/replay.js';
import { buildTrace } from '../src/trace.js';

const resource = setup({
  types: { events: {} as { type: 'take' } | { type: 'release' } | { type: 'probe' } },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'resource',
  initial: 'free',
  states: {
    free: { on: { take: 'held', probe: {} } },
    held: { on: { release: 'free', probe: { actions: outcome('EBUSY') } } },
  },
});

const worker = setup({
  types: { events: {} as { type: 'start' } | { type: 'attempt'; prior: string } | { type: 'reset' } },
}).createMachine({
  id: 'worker',
  initial: 'idle',
  states: {
    idle: { on: { start: 'trying' } },
    trying: { on: { attempt: [{ guard: ({ event }) => event.prior === 'ok', target: 'done' }, {}] } },
    done: { on: { reset: 'idle' } },
  },
});

const holder = setup({ types: { events: {} as { type: 'hold' } } }).createMachine({
  id: 'holder',
  initial: 'ready',
  states: { ready: { on: { hold: 'spent' } }, spent: {} },
});

type Variant = 'adversary' | 'hold-once' | 'no-release' | 'no-reset';
const done = (w: { get(id: string): { matches(v: string): boolean } }): boolean =>
  w.get('worker').matches('done');

const toy = defineModel<never, Variant>({
  id: 'toy-retry',
  title: 'toy',
  summary: 'a worker retries while a holder may keep the resource',
  sources: ['test'],
  params: {},
  variants: {
    adversary: { doc: 'the holder may take the resource again and again', flaws: [], expect: {} },
    'hold-once': { doc: 'the holder takes the resource at most once', flaws: [], expect: {} },
    'no-release': { doc: 'a taken resource is never released', flaws: [], expect: {} },
    'no-reset': { doc: 'a finished worker stays finished', flaws: [], expect: {} },
  },
  properties: [
    eventually(
      'finishes-worker-fair',
      'the worker finishes (only its own attempts are fair)',
      { state: done },
      {
        after: (w) => w.get('worker').matches('trying'),
        fair: ['attempt'],
      },
    ),
    eventually(
      'finishes-all-fair',
      'the worker finishes (attempts and releases are fair)',
      { state: done },
      {
        after: (w) => w.get('worker').matches('trying'),
        fair: ['attempt', 'release'],
      },
    ),
    possibly('can-finish', 'finishing stays possible', {
      step: (s) => s.type === 'attempt' && s.outcome === 'ok',
    }),
    deadlockFree('no-deadlock', 'something can always move'),
  ],
  build(_params, variant) {
    const events: WorldEventSpec[] = [
      { actor: 'worker', type: 'start', args: {}, sync: [participant('worker', { type: 'start' })] },
      {
        actor: 'worker',
        type: 'attempt',
        args: {},
        sync: [
          participant('resource', { type: 'probe' }),
          participant('worker', { type: 'attempt' }, 'prior'),
        ],
      },
      variant === 'hold-once'
        ? {
            actor: 'holder',
            type: 'take',
            args: {},
            sync: [participant('holder', { type: 'hold' }), participant('resource', { type: 'take' })],
          }
        : { actor: 'holder', type: 'take', args: {}, sync: [participant('resource', { type: 'take' })] },
    ];
    if (variant !== 'no-release') {
      events.push({
        actor: 'holder',
        type: 'release',
        args: {},
        sync: [participant('resource', { type: 'release' })],
      });
    }
    if (variant !== 'no-reset') {
      events.push({
        actor: 'worker',
        type: 'reset',
        args: {},
        sync: [participant('worker', { type: 'reset' })],
      });
    }
    return {
      machines: [
        { id: 'resource', machine: resource },
        { id: 'worker', machine: worker },
        { id: 'holder', machine: holder },
      ],
      events,
    };
  },
});

const verdicts = (
  variant: Variant,
  engine: 'compiled' | 'interpret' = 'compiled',
): Record<string, string> => {
  const r = checkRun(toy, {}, variant, { engine, strategy: 'bfs', symmetry: true });
  return Object.fromEntries(r.properties.map((p) => [p.name, p.verdict]));
};

describe('progress properties', () => {
  it('judges leads-to under weak fairness, AG EF and deadlock as computed by hand', () => {
    expect(verdicts('adversary')).toEqual({
      'finishes-worker-fair': 'violated',
      'finishes-all-fair': 'violated',
      'can-finish': 'holds',
      'no-deadlock': 'holds',
    });
    expect(verdicts('hold-once')).toEqual({
      'finishes-worker-fair': 'violated',
      'finishes-all-fair': 'holds',
      'can-finish': 'holds',
      'no-deadlock': 'holds',
    });
    // Held forever with the worker trying: its only move is a refused attempt that changes
    // nothing, which counts as stuck.
    expect(verdicts('no-release')).toEqual({
      'finishes-worker-fair': 'violated',
      'finishes-all-fair': 'violated',
      'can-finish': 'violated',
      'no-deadlock': 'violated',
    });
    // A finished worker stays finished: no attempt can succeed again, but the holder moves.
    expect(verdicts('no-reset')).toMatchObject({ 'can-finish': 'violated', 'no-deadlock': 'holds' });
  });

  it('gives the same verdicts with plain interpretation', () => {
    for (const v of ['adversary', 'hold-once', 'no-release', 'no-reset'] as const)
      expect(verdicts(v, 'interpret')).toEqual(verdicts(v));
  });

  it('writes lasso counterexamples that replay: the loop closes, is fair, and misses the goal', () => {
    for (const variant of ['adversary', 'hold-once', 'no-release', 'no-reset'] as const) {
      const r = checkRun(toy, {}, variant, { engine: 'compiled', strategy: 'bfs', symmetry: false });
      for (const p of r.properties) {
        if (p.verdict !== 'violated' || p.path === undefined) continue;
        const trace = buildTrace(
          r.system,
          { name: p.name, kind: p.kind, verdict: 'violated' },
          p.path,
          p.loop,
        );
        const report = replay(toy, trace, { force: false });
        expect({
          variant,
          property: p.name,
          reproduced: report.reproduced,
          message: report.verdictMessage,
        }).toMatchObject({
          reproduced: true,
        });
        expect(p.loop === null || p.path.length > p.loop).toBe(true);
      }
    }
  });

  it('refuses a lasso whose loop is not fair', () => {
    const r = checkRun(toy, {}, 'hold-once', { engine: 'compiled', strategy: 'bfs', symmetry: false });
    const p = r.properties.find((x) => x.name === 'finishes-worker-fair');
    expect(p?.loop).not.toBeNull();
    const path = p?.path ?? [];
    const trace = buildTrace(
      r.system,
      { name: 'finishes-all-fair', kind: 'eventually', verdict: 'violated' },
      path,
      p?.loop ?? null,
    );
    const report = replay(toy, trace, { force: false });
    expect(report.reproduced).toBe(false);
    expect(report.verdictMessage).toContain('not fair');
  });
});
