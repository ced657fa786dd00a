// Guard necessity. First the semantics on a small machine (skipping a check lets an
// acceptance through and never triggers a refusal; inside a combinator only that check;
// one transition at a time), then the rewrite against XState interpretation of the shipped
// machines, then the pinned necessary checks of the fixed variants of shipped models: a
// change to a design's guards or to the strength of its properties shows up here. (A low
// local-state cap keeps "unbounded" fast.)
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  and,
  initialTransition,
  not,
  or,
  setup,
  stateIn,
  type AnyStateMachine,
  type EventObject,
} from 'xstate';
import { describe, expect, it } from 'vitest';
import { models } from '../models/index.js';
import { machineGuardSites, rebuilt, withoutCheck, type GuardSite } from '../src/guards.js';
import {
  compileKind,
  eventKey,
  initialSnapshot,
  machineStep,
  snapshotKey,
  type Kind,
} from '../src/machines.js';
import { outcome, outcomeActions } from '../src/outcome.js';
import { resolveParams } from '../src/params.js';
import { runCli } from './helpers.js';

interface GuardsJson {
  necessary: string[];
  redundant: string[];
  inert: string[];
  guards: {
    machine: string;
    id: string;
    status: string;
    refusal: boolean;
    check: string;
    changes: { property: string; flaws: string[]; trace: string | null }[];
  }[];
}

/** A door: `open` is refused while locked (a refusal guarded by or/not), accepted when the key fits. */
const door = setup({
  types: {
    context: {} as { key: number },
    events: {} as { type: 'open'; key: number } | { type: 'lock' } | { type: 'close' },
  },
  actions: { ...outcomeActions },
  guards: {
    fits: ({ context, event }) => event.type === 'open' && event.key === context.key,
    isLocked: stateIn('#door.locked'),
  },
}).createMachine({
  id: 'door',
  initial: 'locked',
  context: { key: 1 },
  states: {
    locked: {
      on: {
        open: [
          {
            guard: and(['fits', not(({ event }) => event.type === 'open' && event.key < 0)]),
            target: 'opened',
          },
          { guard: or(['isLocked', () => false]), actions: outcome('EACCES') },
        ],
      },
    },
    opened: { on: { close: 'closed', lock: { guard: 'isLocked', target: 'locked' } } },
    closed: {
      always: [{ guard: ({ context }) => context.key > 5, target: 'locked' }],
      on: { lock: 'locked' },
    },
  },
});

function site(sites: readonly GuardSite[], id: string): GuardSite {
  const s = sites.find((x) => x.id === id);
  if (s === undefined) throw new Error(`no site ${id}; have ${sites.map((x) => x.id).join(', ')}`);
  return s;
}

function step(m: AnyStateMachine, event: { type: string; key?: number }): string {
  const [s] = initialTransition(m);
  const r = machineStep(m, s, event);
  return r === undefined ? 'refused by XState' : `${String(r.next.value)} ${r.outcome}`;
}

describe('skipping a guard check', () => {
  const sites = machineGuardSites(door);

  it('finds every guard: named, inline, stateIn and each check inside and/or/not, eventless ones too', () => {
    // (isLocked is a named stateIn: one check, listed once.)
    expect(sites.map((s) => `${s.id} [${s.refusal ? 'refusal' : 'acceptance'}] ${s.check}`)).toEqual([
      'locked.open.and [acceptance] and(…)',
      'locked.open.0.fits [acceptance] and(…) › fits',
      'locked.open.1-0.inline [acceptance] and(…) › inline ({ event }) => event.type === "open" && event.key < 0',
      'locked.open@1.or [refusal] or(…)',
      'locked.open@1.0.isLocked [refusal] or(…) › isLocked',
      'locked.open@1.1.inline [refusal] or(…) › inline () => false',
      'opened.lock.isLocked [acceptance] isLocked',
      'closed.always.inline [acceptance] inline ({ context }) => context.key > 5',
    ]);
  });

  it('an acceptance is taken as if the check passed; under not() the check counts as failed', () => {
    expect(step(door, { type: 'open', key: 2 })).toBe('locked EACCES');
    expect(step(withoutCheck(door, site(sites, 'locked.open.0.fits')), { type: 'open', key: 2 })).toBe(
      'opened ok',
    );
    // The inline check sits under not(): skipped, the negative key is no longer refused by it.
    expect(step(door, { type: 'open', key: -1 })).toBe('locked EACCES');
    const noNegative = withoutCheck(door, site(sites, 'locked.open.1-0.inline'));
    expect(noNegative.config.states?.['locked']).not.toBe(door.config.states?.['locked']);
    expect(step(noNegative, { type: 'open', key: 1 })).toBe('opened ok');
    expect(step(noNegative, { type: 'open', key: -1 })).toBe('locked EACCES');
  });

  it('a refusal is never taken because of the skipped check, the other checks of its or() still count', () => {
    // Without the whole refusal guard a wrong key is not refused any more: no transition.
    expect(step(withoutCheck(door, site(sites, 'locked.open@1.or')), { type: 'open', key: 2 })).toBe(
      'refused by XState',
    );
    // Without isLocked the or() has only `() => false` left: never refuses.
    expect(step(withoutCheck(door, site(sites, 'locked.open@1.0.isLocked')), { type: 'open', key: 2 })).toBe(
      'refused by XState',
    );
    // Without the always-false check the refusal still happens through isLocked.
    expect(step(withoutCheck(door, site(sites, 'locked.open@1.1.inline')), { type: 'open', key: 2 })).toBe(
      'locked EACCES',
    );
  });

  it('only the one transition changes: the named guard elsewhere, and the machine otherwise, stay', () => {
    const m = withoutCheck(door, site(sites, 'locked.open@1.0.isLocked'));
    expect(m.config.states?.['opened']).toBe(door.config.states?.['opened']);
    expect(m.implementations.guards).toBe(door.implementations.guards);
    expect(m.id).toBe('door');
  });
});

/** The compiled tables of a machine over the events and initial snapshots of a shipped kind. */
function tablesOver(kind: Kind, machine: AnyStateMachine, initials: Kind['states']): string {
  const outcomes: string[] = ['ok'];
  const intern = (c: string): number => (outcomes.includes(c) ? outcomes.indexOf(c) : outcomes.push(c) - 1);
  const k = compileKind(kind.name, machine, initials, kind.alphabet, intern, 100_000);
  return JSON.stringify([
    k.states.map(snapshotKey),
    k.alphabet.map(eventKey),
    Array.from(k.next),
    Array.from(k.out, (o) => outcomes[o]),
  ]);
}

/**
 * Every machine kind the shipped models use, each compiled alone over the events the
 * models send it (prior participants: with prior 'ok'), from its instances' initial states.
 */
interface KindUse {
  readonly initials: Kind['states'][number][];
  readonly events: Map<string, EventObject>;
}

function shippedKinds(): Map<AnyStateMachine, Kind> {
  const found = new Map<AnyStateMachine, KindUse>();
  for (const m of models) {
    for (const v of Object.keys(m.variants)) {
      const sys = m.build(resolveParams(m, {}), v);
      const machineOf = new Map(sys.machines.map((i) => [i.id, i.machine]));
      for (const i of sys.machines) {
        if ([...found.keys()].some((x) => x.id === i.machine.id && x !== i.machine)) continue;
        const entry: KindUse = found.get(i.machine) ?? { initials: [], events: new Map() };
        entry.initials.push(initialSnapshot(i.machine, i.input));
        found.set(i.machine, entry);
      }
      for (const e of sys.events) {
        for (const p of e.sync) {
          if (p.event === undefined) continue;
          const ev = p.prior === true ? { ...p.event, prior: 'ok' } : p.event;
          found.get(machineOf.get(p.machine) as AnyStateMachine)?.events.set(eventKey(ev), ev);
        }
      }
    }
  }
  const kinds = new Map<AnyStateMachine, Kind>();
  for (const [machine, { initials, events }] of found) {
    const outcomes: string[] = ['ok'];
    const intern = (c: string): number => (outcomes.includes(c) ? outcomes.indexOf(c) : outcomes.push(c) - 1);
    kinds.set(machine, compileKind(machine.id, machine, initials, [...events.values()], intern, 100_000));
  }
  return kinds;
}

describe('the rewrite against XState interpretation', () => {
  let memo: Map<AnyStateMachine, Kind> | undefined;
  const kindsOnce = (): Map<AnyStateMachine, Kind> => (memo ??= shippedKinds());

  it('a machine rebuilt from its config compiles to the same tables, for every shipped machine kind', () => {
    const kinds = kindsOnce();
    expect(kinds.size).toBeGreaterThan(30);
    for (const [machine, kind] of kinds) {
      const initials = kind.states.slice(0, 1);
      expect({ [kind.name]: tablesOver(kind, rebuilt(machine), initials) }).toEqual({
        [kind.name]: tablesOver(kind, machine, initials),
      });
    }
  });

  it('skipping a check changes only steps in which XState selects that transition, with or without it', () => {
    let compared = 0;
    const stray: string[] = [];
    for (const [machine, kind] of kindsOnce()) {
      // Every guard check of every kind, in up to 4 of its local states (evenly spread) and
      // under up to 16 of its events.
      const every = Math.max(1, Math.floor(kind.states.length / 4));
      const states = kind.states.filter((_, l) => l % every === 0);
      const alphabet = kind.alphabet.slice(0, 16);
      for (const s of machineGuardSites(machine)) {
        const without = withoutCheck(machine, s);
        const at = (m: AnyStateMachine, snap: Kind['states'][number], e: Kind['alphabet'][number]): boolean =>
          m
            .getTransitionData(snap, e)
            .some(
              (t) =>
                t.source.path.join('.') === s.source && (t.eventType === s.event || s.event === 'always'),
            );
        for (const snap of states) {
          for (const e of alphabet) {
            const a = machineStep(machine, snap, e);
            const b = machineStep(without, snap, e);
            const same =
              (a === undefined) === (b === undefined) &&
              (a === undefined ||
                (snapshotKey(a.next) === snapshotKey(b?.next ?? a.next) && a.outcome === b?.outcome));
            if (!same && !at(machine, snap, e) && !at(without, snap, e)) stray.push(`${kind.name}.${s.id}`);
            compared++;
          }
        }
      }
    }
    expect(stray).toEqual([]);
    expect(compared).toBeGreaterThan(2_000);
  });
});

const pinned: Record<string, { necessary: string[]; counts: Record<string, number> }> = {
  // Inline guards are found: the check of the memory attribute, the retry check of the MMU
  // notifier sequence, and the actors' own step checks.
  'guest-memfd-v1:fixed': {
    necessary: [
      'memAttr.shared.check.inline',
      'memAttr.private.check.inline',
      'kvmMmu.running.retryCheck.inline',
      'spte.machine.map.inline',
      'spte.machine.map@1.inline',
      'vcpu.idle.faultIn.inline',
      'vcpu.resolved.install.inline',
      'converter.idle.step.inline',
    ],
    counts: { necessary: 8, 'changes-verdicts': 1, redundant: 4, inert: 7, unbounded: 2 },
  },
  // The conversion's reference check (referenceSeen on the second convertCheck refusal, down
  // to its pin and DMA parts) and the commit's attribute check prevent private pages being
  // pinned, DMA-mapped or host-mapped; the lock drop after a refused conversion keeps
  // conversions completing.
  'guest-memfd-inplace:fixed': {
    necessary: [
      'page.machine.faultCheck.and',
      'page.machine.faultCheck.1.in-page.attr.shared',
      'page.machine.convertCheck@1.and',
      'page.machine.convertCheck@1.0.convertible',
      'page.machine.convertCheck@1.0-0-0-0.in-page.attr.shared',
      'page.machine.convertCheck@1.0-0-0-1.toPrivate',
      'page.machine.convertCheck@1.1.referenceSeen',
      'page.machine.convertCheck@1.1-0-0.inline',
      'page.machine.convertCheck@1.1-0-1-0.referenced',
      'page.machine.convertCheck@1.1-0-1-1.in-page.dma.mapped',
      'page.attr.shared.convertCommit.convertible',
      'page.attr.shared.convertCommit.0-0-1.toPrivate',
      'page.attr.shared.convertCommit.0-1-0.in-page.attr.private',
      'page.hostMap.unmapped.convertZap.convertible',
      'page.hostMap.unmapped.convertZap.0-0-0.in-page.attr.shared',
      'page.hostMap.unmapped.convertZap.0-1-1.toShared',
      'page.pin.unpinned.pin.canPin',
      'page.pin.unpinned.pin.0-0.in-page.hostMap.mapped',
      'page.dma.unmapped.dmaMap.in-page.hostMap.mapped',
      'invalidateLock.exclusive.unlockIfRefused.inline',
    ],
    counts: { necessary: 20, 'changes-verdicts': 1, redundant: 34, inert: 44, unbounded: 3 },
  },
  // With the pin on a normal-zone copy no check is needed for the mobility properties.
  'gunyah-longterm-pin:longterm-pin-migrate-first': {
    necessary: [],
    counts: { necessary: 0, 'changes-verdicts': 0, redundant: 15, inert: 76, unbounded: 2 },
  },
  'bench:spec': {
    necessary: [
      'page.machine.pin.0-0.in-page.hostMap.mapped',
      'page.attr.shared.commit.and',
      'page.attr.shared.commit.1.unreferenced',
      'page.attr.shared.commit.1-0-0.inline',
      'page.attr.shared.commit.1-0-1.in-page.dma.unmapped',
      'page.hostMap.unmapped.fault.0-0.in-page.attr.shared',
      'page.dma.unmapped.dmaMap.in-page.hostMap.mapped',
    ],
    counts: { necessary: 7, 'changes-verdicts': 0, redundant: 17, inert: 10, unbounded: 5 },
  },
};

describe('foliocheck guards', () => {
  const out = mkdtempSync(join(tmpdir(), 'foliocheck-guards-'));
  for (const [sel, want] of Object.entries(pinned)) {
    it(`${sel}: necessary checks and how many of each status`, async () => {
      const r = await runCli(['guards', sel, '--json', '--max-local-states', '64', '--out', out]);
      expect([r.code, r.err]).toEqual([0, '']);
      const body = JSON.parse(r.out) as GuardsJson;
      const counts: Record<string, number> = {
        necessary: 0,
        'changes-verdicts': 0,
        redundant: 0,
        inert: 0,
        unbounded: 0,
      };
      for (const g of body.guards) counts[g.status] = (counts[g.status] ?? 0) + 1;
      expect({ necessary: body.necessary, counts }).toEqual(want);
      for (const g of body.guards.filter((x) => x.status === 'necessary')) {
        for (const c of g.changes) {
          if (c.trace === null) continue;
          const trace = JSON.parse(readFileSync(c.trace, 'utf8')) as { events: unknown[] };
          expect(trace.events.length).toBeGreaterThan(0);
        }
        expect(g.changes.some((c) => c.trace !== null)).toBe(true);
      }
    });
  }

  it('names the flaw a necessary check prevents, and prints which check prevents what', async () => {
    const r = await runCli(['guards', 'guest-memfd-v1:fixed', '--max-local-states', '64']);
    expect(r.code).toBe(0);
    // (The inline guard's text is its compiled source: quotes depend on the build.)
    expect(r.out).toMatch(
      /\nmemAttr: inline \(\{ event \}\) => event\.kind === ["']shared["'] on shared --check--> \(stays\) prevents a violation of spte-coherent \(F8\)\n/,
    );
    expect(r.out).toContain('7 inert check(s) not listed');
    expect(r.out).toMatch(/\n8 necessary, 1 changes-verdicts, 4 redundant, 7 inert, 2 unbounded\n$/);
    const json = JSON.parse(
      (await runCli(['guards', 'guest-memfd-v1:fixed', '--max-local-states', '64', '--json'])).out,
    ) as GuardsJson;
    const check = json.guards.find((g) => g.id === 'shared.check.inline');
    expect(check?.changes.map((c) => [c.property, c.flaws])).toEqual([['spte-coherent', ['F8']]]);
  });

  it('a counterexample without a necessary check diverges from the design on replay --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'foliocheck-guards-'));
    await runCli(['guards', 'bench:spec', '--max-local-states', '64', '--out', dir]);
    const file = join(
      dir,
      'bench.spec-no-page.hostMap.unmapped.fault.0-0.in-page.attr.shared.no-host-map-of-private.trace.json',
    );
    expect((await runCli(['replay', file])).code).toBe(2);
    const forced = await runCli(['replay', file, '--force']);
    expect(forced.code).toBe(1);
    expect(forced.out).toMatch(/DIVERGED at event \d+/);
  });

  it('plain XState interpretation gives the same statuses as the compiled tables', async () => {
    const sel = 'gunyah-longterm-pin:longterm-pin';
    const statuses = async (engine: string): Promise<string[]> =>
      (
        JSON.parse(
          (await runCli(['guards', sel, '--json', '--max-local-states', '64', '--engine', engine])).out,
        ) as GuardsJson
      ).guards.map((g) => `${g.machine}.${g.id}:${g.status}`);
    const compiled = await statuses('compiled');
    expect(compiled.some((s) => !s.endsWith(':inert'))).toBe(true);
    expect(await statuses('interpret')).toEqual(compiled);
  });

  it('needs exactly one MODEL:VARIANT', async () => {
    for (const argv of [
      ['guards'],
      ['guards', 'bench'],
      ['guards', 'bench:spec', 'bench:spec'],
      ['guards', 'bench:nope'],
    ]) {
      const r = await runCli(argv);
      expect(r.code).toBe(2);
      expect(r.err.split('\n')).toHaveLength(2);
    }
  });
});
