// Replay calls a model nondeterministic only when it can prove it: the same event from the
// same state gave different outcomes in two folds. Here stepWorld is made to answer
// differently on every other call of one event, as a model with Math.random in a guard would.
import { describe, expect, it, vi } from 'vitest';
import guestMemfd from '../models/guest-memfd-inplace.js';
import { replay } from '../src/replay.js';
import { buildTrace } from '../src/trace.js';
import { compileSystem } from '../src/system.js';
import type * as World from '../src/world.js';
import { shortestCounterexample } from './helpers.js';

const flaky = vi.hoisted(() => ({ event: -1, calls: 0 }));

vi.mock('../src/world.js', async (importOriginal) => {
  const world = await importOriginal<typeof World>();
  return {
    ...world,
    stepWorld: (...args: Parameters<typeof world.stepWorld>) => {
      const step = world.stepWorld(...args);
      if (step === undefined || args[2] !== flaky.event || flaky.calls++ % 2 === 0) return step;
      return { ...step, outcome: `${step.outcome}-other` };
    },
  };
});

describe('replay diagnosis', () => {
  const params = { folios: 1, pagesPerFolio: 1, converters: 1 };
  it('proves nondeterminism by a second fold, and only then says so', () => {
    const { path } = shortestCounterexample(guestMemfd, params, 'no-pin-check', 'no-dma-of-private');
    const sys = compileSystem(guestMemfd, params, 'no-pin-check');
    const trace = buildTrace(sys, { name: 'no-dma-of-private', kind: 'always', verdict: 'violated' }, path);
    expect(path.length).toBeGreaterThan(2);
    // Deterministic: the trace reproduces.
    expect(replay(guestMemfd, trace, { force: false }).reproduced).toBe(true);
    // The recorded outcome of event 1 edited: an edit, not nondeterminism.
    const edited = {
      ...trace,
      events: trace.events.map((e, i) => (i === 1 ? { ...e, outcome: 'EDITED' } : e)),
    };
    const byEdit = replay(guestMemfd, edited, { force: false });
    expect(byEdit.divergence?.message).toContain("(the trace was edited, or the model's semantics changed)");
    expect(byEdit.divergence?.message).not.toContain('nondeterministic');
    // Event 1 now answers differently on every other call: the second fold proves it.
    flaky.event = path[1] as number;
    flaky.calls = 1;
    const proved = replay(guestMemfd, trace, { force: false });
    expect(proved.reproduced).toBe(false);
    expect(proved.divergence?.message).toMatch(
      /in one fold and .* in another from the same state: the model is nondeterministic/,
    );
  });
});
