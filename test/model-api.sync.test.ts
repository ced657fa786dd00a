// A machine taking part several times in one world event (stated order), and
// nondeterministic outcomes (`choices`): both engines, traces, replay and shrink.
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { always, never } from '../src/property.js';
import { replay } from '../src/replay.js';
import { shrinkPath } from '../src/shrink.js';
import { compileSystem } from '../src/system.js';
import { buildTrace } from '../src/trace.js';
import { initialWorld, stepWorld } from '../src/world.js';
import { agree, verdicts } from './fixtures/compare.js';
import { counterMachine, expecting, on, seqMachine, tinyModel } from './fixtures/apiModels.js';
import { worldEvent, type AnyModel, type WorldEventSpec } from '../src/model.js';

const n = (w: { get(id: string): { context: unknown } }): number => (w.get('c').context as { n: number }).n;

describe('one machine, several participations', () => {
  const seq = tinyModel({
    id: 'seq',
    machines: [{ id: 's', machine: seqMachine }],
    events: () => [
      worldEvent('t', 'xy', {}, [on('s', 'x'), on('s', 'y')]),
      worldEvent('t', 'yx', {}, [on('s', 'y'), on('s', 'x')]),
      worldEvent('t', 'back', {}, [on('s', 'back')]),
    ],
    properties: [never('no-yx', 'the reversed order is never enabled', (s) => s.type === 'yx')],
    variants: { v: expecting({ 'no-yx': 'holds' }) },
  });

  it('each participation sees the state the earlier one left, in list order', () => {
    const run = agree(seq, 'v');
    expect(run.states).toBe(2);
    expect(verdicts(run)).toEqual({ 'no-yx': 'holds' });
    const sys = run.system;
    const step = stepWorld(sys, initialWorld(sys), 0);
    expect(step?.world[0]?.value).toBe('c');
    expect(step?.touched).toEqual([0]);
    expect(stepWorld(sys, initialWorld(sys), 1)).toBeUndefined();
  });

  const counter = tinyModel({
    id: 'twice',
    machines: [{ id: 'c', machine: counterMachine }],
    events: () => [
      worldEvent('t', 'double', {}, [on('c', 'inc'), on('c', 'inc')]),
      // The second participation takes the outcome of the first (EBUSY at 3) as prior.
      worldEvent('t', 'incOrReset', {}, [on('c', 'inc'), { ...on('c', 'note'), prior: true }]),
    ],
    properties: [
      always('below-3', 'the counter stays below 3', (w) => n(w) < 3),
      never('no-busy', 'no step is refused', (s) => s.outcome === 'EBUSY'),
    ],
    variants: { v: expecting({ 'below-3': 'violated', 'no-busy': 'violated' }) },
  });

  it('two increments in one step count twice; a later prior sees the earlier refusal', () => {
    const run = agree(counter, 'v');
    const sys = run.system;
    // 0 -double-> 2 -double-> 3 (second inc refused: EBUSY) -incOrReset-> 0.
    expect(run.states).toBe(3);
    const w0 = initialWorld(sys);
    const w2 = stepWorld(sys, w0, 0);
    expect(w2?.world[0]?.context).toEqual({ n: 2 });
    const w3 = stepWorld(sys, w2?.world ?? w0, 0);
    expect(w3).toMatchObject({ outcome: 'EBUSY' });
    expect(w3?.world[0]?.context).toEqual({ n: 3 });
    expect(stepWorld(sys, w0, 1)).toBeUndefined();
    expect(stepWorld(sys, w3?.world ?? w0, 1)?.world[0]?.context).toEqual({ n: 0 });
    expect(run.properties.map((p) => p.path?.length)).toEqual([2, 2]);
  });
});

const grow = (extra: Partial<WorldEventSpec> = {}): WorldEventSpec => ({
  ...worldEvent('alloc', 'grow', { page: 0 }, [{ ...on('c', 'grow'), choice: true }], {
    choices: ['ok', 'ENOMEM'],
  }),
  ...extra,
});
const model = (events: WorldEventSpec[]): AnyModel =>
  tinyModel({
    id: 'choices',
    machines: [{ id: 'c', machine: counterMachine }],
    events: () => events,
    properties: [
      always('below-2', 'the counter stays below 2', (w) => n(w) < 2),
      never('no-enomem', 'no allocation fails', (s) => s.outcome === 'ENOMEM'),
    ],
    variants: { v: expecting({ 'below-2': 'violated', 'no-enomem': 'violated' }) },
  });

const refused = (events: WorldEventSpec[]): string => {
  try {
    compileSystem(model(events), {}, 'v');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('compiled without error');
};

describe('choices', () => {
  it('one world event per choice, the choice in args and delivered to marked participants', () => {
    const m = model([grow(), worldEvent('t', 'reset', {}, [on('c', 'reset')])]);
    const sys = compileSystem(m, {}, 'v');
    expect(sys.events.map((e) => e.args)).toEqual([
      { page: 0, choice: 'ok' },
      { page: 0, choice: 'ENOMEM' },
      {},
    ]);
    expect(sys.events[1]?.participants[0]?.event).toEqual({ type: 'grow', choice: 'ENOMEM' });
    const run = agree(m, 'v');
    expect(verdicts(run)).toEqual({ 'below-2': 'violated', 'no-enomem': 'violated' });
    const failing = run.properties[1]?.path ?? [];
    expect(failing.map((e) => sys.events[e]?.args['choice'])).toEqual(['ENOMEM']);
  });

  it('a counterexample through a choice replays and shrinks by its args', () => {
    const m = model([grow(), worldEvent('t', 'reset', {}, [on('c', 'reset')])]);
    const run = agree(m, 'v');
    const path = run.properties[0]?.path ?? [];
    expect(path.length).toBe(2);
    const trace = buildTrace(
      run.system,
      { name: 'below-2', kind: 'always', verdict: 'violated' },
      path,
      null,
    );
    expect(trace.events.map((e) => e.args)).toEqual([
      { page: 0, choice: 'ok' },
      { page: 0, choice: 'ok' },
    ]);
    const rep = replay(m, trace, { force: false });
    expect(rep.divergence).toBeUndefined();
    expect(rep.reproduced).toBe(true);
    // A longer run with a reset and a failed allocation in it shrinks back to the two growths.
    const long = [0, 1, 2, 0, 1, 0];
    expect(shrinkPath(run.system, 0, long).path).toEqual([0, 0]);
  });

  it('refuses empty, repeated and clashing choices', () => {
    expect(refused([grow({ choices: [] })])).toBe(
      'choices: world event alloc: grow(page=0) has an empty choices list; list at least one outcome',
    );
    expect(refused([grow({ choices: ['ok', 'ok'] })])).toContain("lists choice 'ok' twice");
    expect(refused([grow({ args: { choice: 'x' } })])).toContain(
      "has choices and its own arg 'choice', which the choice would overwrite; rename that arg",
    );
    expect(refused([worldEvent('alloc', 'grow', {}, [{ ...on('c', 'grow'), choice: true }])])).toContain(
      "marks participant 'c' choice but has no choices",
    );
  });

  it('the fingerprint covers the choices', () => {
    const a = compileSystem(model([grow()]), {}, 'v').fingerprint;
    const b = compileSystem(model([grow({ choices: ['ok'] })]), {}, 'v').fingerprint;
    expect(a).not.toBe(b);
  });
});
