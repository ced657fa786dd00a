// Per-variant properties, fairness as a predicate, and the world event builder.
import { describe, expect, it } from 'vitest';
import { checkRun } from '../src/check.js';
import { InputError } from '../src/errors.js';
import { worldEvent, type AnyModel } from '../src/model.js';
import { always, eventually, isFair, never, type WorldView } from '../src/property.js';
import { compileSystem } from '../src/system.js';
import { agree, verdicts } from './fixtures/compare.js';
import { counterMachine, expecting, on, tinyModel } from './fixtures/apiModels.js';

const n = (w: WorldView): number => (w.get('c').context as { n: number }).n;

const model = tinyModel({
  id: 'per-variant',
  machines: [{ id: 'c', machine: counterMachine }],
  events: () => [
    worldEvent('t', 'inc', {}, [on('c', 'inc')]),
    worldEvent('t', 'reset', {}, [on('c', 'reset')]),
  ],
  properties: [always('at-most-3', 'the counter stays at most 3', (w) => n(w) <= 3)],
  variants: {
    plain: expecting({ 'at-most-3': 'holds' }),
    strict: expecting(
      { 'at-most-3': 'holds', 'below-2': 'violated' },
      { properties: [always('below-2', 'this variant claims the counter stays below 2', (w) => n(w) < 2)] },
    ),
    clash: expecting({}, { properties: [never('at-most-3', 'same name as a model property', () => false)] }),
  },
});

describe('per-variant properties', () => {
  it('are judged after the model properties in their variant only', () => {
    expect(verdicts(agree(model, 'plain'))).toEqual({ 'at-most-3': 'holds' });
    const strict = agree(model, 'strict');
    expect(verdicts(strict)).toEqual({ 'at-most-3': 'holds', 'below-2': 'violated' });
    expect(strict.properties[1]?.path).toHaveLength(2);
  });

  it('enter the fingerprint', () => {
    const plain = compileSystem(model, {}, 'plain');
    const strict = compileSystem(model, {}, 'strict');
    expect(strict.properties.map((p) => p.name)).toEqual(['at-most-3', 'below-2']);
    // Same machines and events: the variant name and its property tell the two apart.
    expect(plain.fingerprint).not.toBe(strict.fingerprint);
  });

  it('may not reuse a model property name', () => {
    expect(() => compileSystem(model, {}, 'clash')).toThrow(InputError);
    expect(() => compileSystem(model, {}, 'clash')).toThrow("property 'at-most-3' is declared twice");
  });
});

const reaches = (fair: Parameters<typeof eventually>[3]): AnyModel =>
  tinyModel({
    id: 'fair',
    machines: [{ id: 'c', machine: counterMachine }],
    events: () => [
      worldEvent('t', 'inc', {}, [on('c', 'inc')]),
      worldEvent('t', 'reset', {}, [on('c', 'reset')]),
    ],
    properties: [eventually('reaches-1', 'the counter leaves 0', { state: (w) => n(w) === 1 }, fair)],
    variants: { v: expecting({ 'reaches-1': 'holds' }) },
  });
const judge = (fair: Parameters<typeof eventually>[3]) =>
  checkRun(reaches(fair), {}, 'v', { engine: 'compiled', strategy: 'bfs', symmetry: false }).properties[0];

describe('fairness as a predicate', () => {
  it('is asked per world event and agrees with the list of types it stands for', () => {
    expect(isFair((e) => e.type === 'inc', { actor: 't', type: 'inc', args: {} })).toBe(true);
    expect(isFair(['reset'], { actor: 't', type: 'inc', args: {} })).toBe(false);
    expect(isFair('all', { actor: 't', type: 'inc', args: {} })).toBe(true);
    // Resetting at 0 forever is a fair run unless inc is fair: then inc, always enabled, must be taken.
    const byList = judge({ fair: ['inc'] });
    const byPredicate = judge({ fair: (e) => e.actor === 't' && e.type === 'inc' });
    expect(byList?.verdict).toBe('holds');
    expect(byPredicate).toEqual(byList);
    expect(judge({ fair: 'all' })?.verdict).toBe('holds');
    expect(judge({ fair: (e) => e.type === 'reset' })?.verdict).toBe('violated');
  });
});

describe('worldEvent()', () => {
  it('builds a world event, leaving out what is not given', () => {
    const sync = [on('c', 'inc')];
    expect(worldEvent('t', 'inc', { page: 1 }, sync)).toStrictEqual({
      actor: 't',
      type: 'inc',
      args: { page: 1 },
      sync,
    });
    expect(worldEvent('t', 'inc', {}, sync, { kernel: 'f()', choices: ['a'] })).toStrictEqual({
      actor: 't',
      type: 'inc',
      args: {},
      sync,
      kernel: 'f()',
      choices: ['a'],
    });
  });
});
