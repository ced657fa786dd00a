// Premises and the 'vacuous' verdict: tracked as hidden reachability properties in every
// engine (parallel BFS included), judged on complete, depth-bounded and stopped runs.
import { describe, expect, it } from 'vitest';
import { checkRun, checkRunAsync, exitStatus } from '../src/check.js';
import { verdictLabel } from '../src/commands/ci.js';
import { InputError } from '../src/errors.js';
import type { Property, WorldView } from '../src/property.js';
import { alwaysEach } from '../src/property.js';
import { compileSystem } from '../src/system.js';
import { agree, verdicts } from './fixtures/compare.js';
import { counterMachine, expecting, on, tinyModel } from './fixtures/apiModels.js';
import { worldEvent } from '../src/model.js';
import { expectations, vacuousModel } from './fixtures/vacuousModel.js';

const local = (s: { context: unknown }): number => (s.context as { n: number }).n;

describe('premises and vacuity', () => {
  it('an invariant whose premise is never met is vacuous, in every engine and strategy', () => {
    const run = agree(vacuousModel, 'expects-vacuous');
    expect(verdicts(run)).toEqual(expectations);
    expect(run.properties.map((p) => p.premise)).toEqual(
      run.properties.map((p) => (p.verdict === 'vacuous' ? 'unmet' : 'met')),
    );
    expect(exitStatus([run])).toBe(0);
  });

  it('expecting holds and getting vacuous is a mismatch', () => {
    const run = checkRun(vacuousModel, {}, 'expects-holds', {
      engine: 'compiled',
      strategy: 'bfs',
      symmetry: false,
    });
    expect(run.properties[0]).toMatchObject({ verdict: 'vacuous', expected: 'holds' });
    expect(exitStatus([run])).toBe(1);
  });

  it('properties sharing a premise function share its tracking', () => {
    const sys = compileSystem(vacuousModel, {}, 'expects-vacuous');
    expect(sys.properties).toHaveLength(8);
    // Every property has a premise; two share one.
    expect(sys.tracked).toHaveLength(8 + 7);
    expect(sys.premiseOf[1]).toBe(sys.premiseOf[2]);
    expect(sys.tracked[sys.premiseOf[0] as number]).toMatchObject({
      kind: 'sometimes',
      name: 'premise of never-5',
    });
  });

  it('a depth-bounded run that never met the premise says vacuous up to its depth', () => {
    const run = checkRun(vacuousModel, {}, 'expects-vacuous', {
      engine: 'compiled',
      strategy: 'bfs',
      symmetry: false,
      maxDepth: 1,
    });
    expect(run.depthBounded).toBe(true);
    const atMost3 = run.properties.find((p) => p.name === 'at-most-3');
    expect(atMost3).toMatchObject({ verdict: 'vacuous', premise: 'unmet' });
    expect(verdictLabel(run, atMost3 ?? (run.properties[0] as never))).toBe('holds (vacuous) up to depth 1');
  });

  it('a stopped run keeps unknown and says the premise was not met so far', () => {
    const ids = Array.from({ length: 7 }, (_, i) => `c${i}`);
    const big = tinyModel({
      id: 'big',
      machines: ids.map((id) => ({ id, machine: counterMachine })),
      events: () => ids.map((id, i) => worldEvent('t', 'inc', { slot: i }, [on(id, 'inc')])),
      properties: [
        alwaysEach('below-9', 'each counter below 9 (about one at 9)', 'counter', (s) => local(s) < 9, {
          premise: (s) => local(s) === 9,
        }),
      ],
      variants: { v: expecting({ 'below-9': 'vacuous' }) },
    });
    const run = checkRun(big, {}, 'v', {
      engine: 'compiled',
      strategy: 'bfs',
      symmetry: false,
      shouldStop: () => 'test-stop',
    });
    expect(run.stopReason).toBe('test-stop');
    expect(run.properties[0]).toMatchObject({ verdict: 'unknown', premise: 'unmet' });
    expect(verdictLabel(run, run.properties[0] as never)).toBe('unknown (premise not met so far)');
  });

  it('parallel BFS tracks table-compiled premises like the sequential search', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `c${i}`);
    const props: Property[] = [
      alwaysEach('at-most-3', 'each counter at most 3', 'counter', (s) => local(s) <= 3, {
        premise: (s) => local(s) === 3,
      }),
      alwaysEach('below-9', 'each counter below 9 (about one at 9)', 'counter', (s) => local(s) < 9, {
        premise: (s) => local(s) === 9,
      }),
    ];
    const big = tinyModel({
      id: 'big',
      machines: ids.map((id) => ({ id, machine: counterMachine })),
      events: () => ids.map((id, i) => worldEvent('t', 'inc', { slot: i }, [on(id, 'inc')])),
      properties: props,
      variants: { v: expecting({ 'at-most-3': 'holds', 'below-9': 'vacuous' }) },
    });
    const opts = { engine: 'compiled', strategy: 'bfs', symmetry: false } as const;
    const par = await checkRunAsync(big, {}, 'v', { ...opts, workers: 2 });
    expect(par.workers).toBe(2);
    expect(verdicts(par)).toEqual({ 'at-most-3': 'holds', 'below-9': 'vacuous' });
    expect(verdicts(par)).toEqual(verdicts(checkRun(big, {}, 'v', opts)));
  });

  it('a premise on a sometimes property is refused', () => {
    const bad = tinyModel({
      id: 'bad',
      machines: [{ id: 'c', machine: counterMachine }],
      events: () => [worldEvent('t', 'inc', {}, [on('c', 'inc')])],
      properties: [
        {
          kind: 'sometimes',
          name: 'x',
          doc: 'x',
          over: 'state',
          test: () => true,
          premise: (w: WorldView) => w.ids('counter').length > 0,
        },
      ],
      variants: { v: expecting({ x: 'reached' }) },
    });
    expect(() => compileSystem(bad, {}, 'v')).toThrow(InputError);
    expect(() => compileSystem(bad, {}, 'v')).toThrow("property 'x' is a sometimes with a premise");
  });
});
