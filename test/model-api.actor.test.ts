// The actor library: named phases (states named after what each step completed) and the
// actorStep participant helper, including a step that reacts to a refusal (prior).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import gunyah from '../models/gunyah-longterm-pin.js';
import { actorStep, sequentialActor } from '../models/machines/actor.js';
import { worldEvent } from '../src/model.js';
import { always } from '../src/property.js';
import { compileSystem } from '../src/system.js';
import { initialWorld, stepWorld } from '../src/world.js';
import { agree } from './fixtures/compare.js';
import { counterMachine, expecting, on, tinyModel } from './fixtures/apiModels.js';
import { runCli } from './helpers.js';

const migrator = sequentialActor('migrator', ['isolated', 'checked', 'migrated']);

const model = tinyModel({
  id: 'actor',
  machines: [
    { id: 'migrator', machine: migrator },
    { id: 'c', machine: counterMachine },
  ],
  events: () => [
    worldEvent('migrator', 'isolate', { page: 2 }, [actorStep('migrator', 'isolated', 2)]),
    // The check is refused (EBUSY) once the counter is full; the migrator then gives up.
    worldEvent('migrator', 'check', { page: 2 }, [
      on('c', 'inc'),
      actorStep('migrator', 'checked', 2, { prior: true }),
    ]),
    worldEvent('migrator', 'migrate', { page: 2 }, [actorStep('migrator', 'migrated', 2)]),
  ],
  properties: [always('idle-or-named', 'the actor is idle or in a named phase', () => true)],
  variants: { v: expecting({ 'idle-or-named': 'holds' }) },
});

describe('sequentialActor with named phases', () => {
  it('names its states after the phases, the last step returning to idle', () => {
    const sys = compileSystem(model, {}, 'v');
    const values = (sys.kinds[0]?.states ?? []).map((s) => `${String(s.value)}:${String(s.context.page)}`);
    expect(values).toEqual(['idle:0', 'isolated:2', 'checked:2']);
    agree(model, 'v');
  });

  it('goes back to idle when a prior step refused', () => {
    const sys = compileSystem(model, {}, 'v');
    let w = initialWorld(sys);
    for (const e of [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]) w = stepWorld(sys, w, e)?.world ?? w;
    expect(w[0]?.value).toBe('isolated');
    expect(w[1]?.context).toEqual({ n: 3 });
    const refused = stepWorld(sys, w, 1);
    expect(refused?.outcome).toBe('EBUSY');
    expect(refused?.world[0]?.value).toBe('idle');
  });

  it('refuses empty, repeated, dotted or idle phase names', () => {
    expect(() => sequentialActor('a', [])).toThrow("actor 'a': give at least one phase");
    for (const bad of [['x', 'x'], ['a.b'], ['idle']])
      expect(() => sequentialActor('a', bad)).toThrow(/is 'idle', contains '\.' or is listed twice/);
  });

  it('shows phase names in a shipped model, in replay output', async () => {
    const sys = compileSystem(gunyah, { pages: 1 }, 'longterm-pin');
    const names = sys.kinds.flatMap((k) => k.states.map((s) => JSON.stringify(s.value)));
    expect(names.some((v) => /"p\d"/.test(v))).toBe(false);
    expect(names).toEqual(expect.arrayContaining(['"registered"', '"isolated"', '"checked"']));
    const dir = mkdtempSync(join(tmpdir(), 'foliocheck-actor-'));
    expect((await runCli(['check', 'gunyah-longterm-pin:longterm-pin', '--out', dir])).code).toBe(0);
    const res = await runCli([
      'replay',
      join(dir, 'gunyah-longterm-pin.longterm-pin.no-longterm-pin-on-movable.trace.json'),
    ]);
    expect(res.code).toBe(0);
    expect(res.out).toContain('vmm: registered page=0');
  });
});
