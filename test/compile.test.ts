// Compiling machine kinds: the step the tables cache is XState's pure transition() (made
// with one actor scope per machine rather than one per call), and a compile driven
// asynchronously polls its stop and yields the same system as the synchronous one.
import { assign, fromCallback, initialTransition, setup, transition } from 'xstate';
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import { describe, expect, it } from 'vitest';
import conversions from '../models/guest-memfd-conversions.js';
import tdxPoison from '../models/tdx-poison.js';
import { machineStep, snapshotKey } from '../src/machines.js';
import { outcomeOf } from '../src/outcome.js';
import { resolveParams } from '../src/params.js';
import { compileSystem, compileSystemAsync } from '../src/system.js';
import { runBin, runBinUntil } from './spawn.js';

/** Every (local state, event) pair of every kind, stepped both ways. */
function mismatches(
  kinds: readonly {
    machine: AnyStateMachine;
    states: readonly AnyMachineSnapshot[];
    alphabet: readonly EventObject[];
  }[],
): string[] {
  const out: string[] = [];
  for (const k of kinds)
    for (const s of k.states)
      for (const e of k.alphabet) {
        const fast = machineStep(k.machine, s, e);
        const enabled = k.machine.getTransitionData(s, e).length > 0;
        if (!enabled) {
          if (fast !== undefined)
            out.push(`${k.machine.id} ${snapshotKey(s)} ${e.type}: enabled only by machineStep`);
          continue;
        }
        const [next, actions] = transition(k.machine, s, e);
        const want = `${snapshotKey(next)} ${outcomeOf(actions)}`;
        const got = fast === undefined ? 'not enabled' : `${snapshotKey(fast.next)} ${fast.outcome}`;
        if (got !== want) out.push(`${k.machine.id} ${snapshotKey(s)} ${e.type}: ${got} != ${want}`);
      }
  return out;
}

describe('machineStep is XState transition()', () => {
  it('on every local state and event of the compiled kinds of two shipped models', () => {
    const a = compileSystem(
      tdxPoison,
      resolveParams(tdxPoison, {}),
      Object.keys(tdxPoison.variants)[0] as string,
    );
    const b = compileSystem(conversions, resolveParams(conversions, {}), 'inplace-v8');
    expect(a.kinds.length + b.kinds.length).toBeGreaterThan(2);
    expect(mismatches([...a.kinds, ...b.kinds])).toEqual([]);
  });

  it('a step that spawns an actor under a systemId can be taken again (each step has a fresh system)', () => {
    const child = fromCallback(() => undefined);
    const machine = setup({ actors: { child } }).createMachine({
      id: 'spawner',
      context: { n: 0 },
      initial: 'idle',
      states: {
        idle: { on: { go: { target: 'busy', actions: assign({ n: ({ context }) => context.n + 1 }) } } },
        busy: { invoke: { src: 'child', systemId: 'worker' }, on: { stop: 'idle' } },
      },
    });
    const [start] = initialTransition(machine);
    const first = machineStep(machine, start, { type: 'go' });
    const second = machineStep(machine, start, { type: 'go' });
    expect(first?.next.value).toBe('busy');
    expect(second?.next.value).toBe('busy');
    expect(snapshotKey(second?.next as AnyMachineSnapshot)).toBe(
      snapshotKey(transition(machine, start, { type: 'go' })[0]),
    );
  });
});

describe('compileSystemAsync', () => {
  it('yields the system compileSystem builds (same fingerprint)', async () => {
    const params = { ...resolveParams(conversions, {}), tags: 2 };
    const sync = compileSystem(conversions, params, 'inplace-v8');
    const async = await compileSystemAsync(conversions, params, 'inplace-v8', {});
    expect('stopped' in async).toBe(false);
    expect((async as typeof sync).fingerprint).toBe(sync.fingerprint);
  });

  it('stops at a poll when its stop says so, reporting how far it got', async () => {
    let polls = 0;
    const progress: string[] = [];
    const result = await compileSystemAsync(
      conversions,
      { ...resolveParams(conversions, {}), tags: 3 },
      'inplace-v8',
      {
        shouldStop: () => (++polls > 3 ? 'max-seconds' : undefined),
        onProgress: (p) => progress.push(p.kind),
      },
    );
    expect('stopped' in result && result.stopped).toBe('max-seconds');
    expect('stopped' in result && result.progress?.localStates).toBeGreaterThan(0);
    expect(progress).toHaveLength(3);
  });
});

describe('check: compiling is a phase of the run, under its limits', () => {
  // guest-memfd-conversions with the selftests' alphabet: seconds of compiling (a few
  // thousand local states of the contents machine under some 550 events).
  const selftest = ['check', 'guest-memfd-conversions', '--set', 'selftest=1'];

  it('--max-seconds stops the compile: no search, the run not started, exit 3', async () => {
    const run = await runBin([...selftest, '--max-seconds', '0.3']);
    expect(run.code).toBe(3);
    expect(run.err).toMatch(
      /guest-memfd-conversions:inplace-v8: --max-seconds reached while compiling its machines \(machine '\w+' \d+ local states x \d+ events.*\) after [\d.]+ s; the search was not started/,
    );
    expect(run.out).toContain('--max-seconds reached: 1 run(s) not started');
  });

  it('a signal stops the compile the same way', async () => {
    const run = await runBinUntil(
      [...selftest, '--debug'],
      /debug: compile guest-memfd-conversions:inplace-v8 started/,
      (kill) => kill('SIGINT'),
    );
    expect(run.code).toBe(3);
    expect(run.err).toContain('interrupted by SIGINT while compiling its machines');
  });
});
