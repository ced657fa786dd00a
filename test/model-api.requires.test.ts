// Participant.requires: a precondition on a participant's state before its event, in
// both engines; requires-only participants constrain without moving; bad state paths
// are refused with the world event, the machine and the nearest valid path.
import { describe, expect, it } from 'vitest';
import { compileSystem } from '../src/system.js';
import { InputError } from '../src/errors.js';
import { alwaysEach, neverTransition } from '../src/property.js';
import { initialWorld, stepWorld } from '../src/world.js';
import { agree, verdicts } from './fixtures/compare.js';
import { expecting, fileMachine, lockMachine, on, tinyModel } from './fixtures/apiModels.js';
import {
  worldEvent,
  type AnyModel,
  type Participant,
  type Requirement,
  type WorldEventSpec,
} from '../src/model.js';

const requirements: Record<string, Requirement | undefined> = {
  unguarded: undefined,
  path: 'cache.absent',
  object: { cache: 'absent' },
  predicate: (s) => s.matches('cache.absent'),
};

function punchEvents(finish: Requirement | undefined): WorldEventSpec[] {
  const finishPunch: Participant =
    finish === undefined ? on('f', 'finishPunch') : { ...on('f', 'finishPunch'), requires: finish };
  return [
    worldEvent('host', 'lock', {}, [on('lk', 'lock')]),
    worldEvent('host', 'unlock', {}, [on('lk', 'unlock')]),
    // Eviction waits for the lock to be free, without taking it: a requires-only participant.
    worldEvent('reclaim', 'evict', {}, [{ machine: 'lk', requires: 'free' }, on('f', 'evict')]),
    worldEvent('guest', 'fault', {}, [{ ...on('f', 'fault'), requires: 'punch.idle' }]),
    worldEvent('host', 'finishPunch', {}, [finishPunch]),
  ];
}

const props = [
  alwaysEach(
    'punched-means-evicted',
    'a finished punch leaves no folio in the cache',
    'file',
    (s) => !(s.matches({ punch: 'done' }) && s.matches({ cache: 'present' })),
  ),
  neverTransition(
    'no-evict-under-lock',
    'eviction never happens while the lock is held',
    (t) => t.type === 'evict' && t.before.get('lk').matches('held'),
  ),
];

const punch = tinyModel({
  id: 'punch',
  machines: [
    { id: 'f', machine: fileMachine },
    { id: 'lk', machine: lockMachine },
  ],
  events: (v) => punchEvents(requirements[v]),
  properties: props,
  variants: Object.fromEntries(
    Object.keys(requirements).map((v) => [
      v,
      expecting({
        'punched-means-evicted': v === 'unguarded' ? 'violated' : 'holds',
        'no-evict-under-lock': 'holds',
      }),
    ]),
  ),
});

describe('requires', () => {
  it('a parallel machine takes an event in one region whatever the other holds, unless required', () => {
    const run = agree(punch, 'unguarded');
    expect(verdicts(run)).toEqual({ 'punched-means-evicted': 'violated', 'no-evict-under-lock': 'holds' });
    expect(run.properties[0]?.path?.map((e) => run.system.events[e]?.type)).toEqual(['finishPunch']);
  });

  for (const v of ['path', 'object', 'predicate']) {
    it(`the ${v} form makes the precondition hold, and agrees across engines`, () => {
      const run = agree(punch, v);
      expect(verdicts(run)).toEqual({ 'punched-means-evicted': 'holds', 'no-evict-under-lock': 'holds' });
    });
  }

  it('the three forms give the same state space and the same requirement table', () => {
    const runs = ['path', 'object', 'predicate'].map((v) => agree(punch, v));
    expect(new Set(runs.map((r) => `${r.states}/${r.transitions}`)).size).toBe(1);
    const tables = runs.map((r) => Array.from(r.system.events[4]?.participants[0]?.requiresTable ?? []));
    expect(tables[1]).toEqual(tables[0]);
    expect(tables[2]).toEqual(tables[0]);
    expect(tables[0]).toContain(0);
    expect(tables[0]).toContain(1);
  });

  it('a requires-only participant adds nothing to its alphabet, does not move and gates the event', () => {
    const sys = compileSystem(punch, {}, 'path');
    const lock = sys.kinds[sys.kindIndex.get('lock') as number];
    expect(lock?.alphabet.map((e) => e.type)).toEqual(['lock', 'unlock']);
    const evict = sys.events.findIndex((e) => e.type === 'evict');
    const w0 = initialWorld(sys);
    const step = stepWorld(sys, w0, evict);
    expect(step?.touched).toEqual([sys.instanceIndex.get('f')]);
    const locked = stepWorld(
      sys,
      w0,
      sys.events.findIndex((e) => e.type === 'lock'),
    );
    expect(locked).toBeDefined();
    expect(stepWorld(sys, locked?.world ?? w0, evict)).toBeUndefined();
  });

  it('the fingerprint covers the requirement', () => {
    const a = compileSystem(punch, {}, 'path').fingerprint;
    const swapped = tinyModel({
      id: 'punch',
      machines: [
        { id: 'f', machine: fileMachine },
        { id: 'lk', machine: lockMachine },
      ],
      events: () => punchEvents('cache.present'),
      properties: props,
      variants: { path: expecting({}) },
    });
    expect(compileSystem(swapped, {}, 'path').fingerprint).not.toBe(a);
  });
});

const withEvents = (events: WorldEventSpec[]): AnyModel =>
  tinyModel({
    id: 'bad',
    machines: [
      { id: 'f', machine: fileMachine },
      { id: 'lk', machine: lockMachine },
    ],
    events: () => events,
    properties: [],
    variants: { v: expecting({}) },
  });
const message = (events: WorldEventSpec[]): string => {
  try {
    compileSystem(withEvents(events), {}, 'v');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('compiled without error');
};

describe('requires: bad input', () => {
  it('an unknown state path names the world event, the machine and the nearest valid path', () => {
    const m = message([
      worldEvent('host', 'finishPunch', { page: 0 }, [
        { ...on('f', 'finishPunch'), requires: 'cache.absnt' },
      ]),
    ]);
    expect(m).toBe(
      "bad: world event host: finishPunch(page=0) has participant 'f' requiring state 'cache.absnt', which machine 'file' does not have (did you mean 'cache.absent'?)",
    );
    expect(m).not.toContain('\n');
  });

  it('a state value object is checked path by path', () => {
    expect(
      message([worldEvent('host', 'x', {}, [{ machine: 'f', requires: { cache: 'absent', punch: 'dne' } }])]),
    ).toContain(
      "requiring state 'punch.dne', which machine 'file' does not have (did you mean 'punch.done'?)",
    );
  });

  it('a participant with neither event nor requires, or prior without event, is refused', () => {
    expect(message([worldEvent('host', 'x', {}, [{ machine: 'f' }])])).toContain(
      "has participant 'f' with neither an event nor requires",
    );
    expect(
      message([worldEvent('host', 'x', {}, [{ machine: 'f', requires: 'cache', prior: true }])]),
    ).toContain("has participant 'f' with prior but no event to carry it");
  });

  it('an unknown machine is still refused', () => {
    expect(message([worldEvent('host', 'x', {}, [on('nope', 'evict')])])).toBe(
      "bad: world event host: x() names unknown machine 'nope'",
    );
  });
});
