// bench: the exactly specified benchmark model of ../shared/docs/bench.md — a simplified
// in-place conversion design (guest_memfd with mmap, per-page shared/private, conversion
// holding the invalidate lock) that scales with `pages` (N) and `converters` (K).
//
// Sources: docs/bench.md (the specification, followed literally); the design it
// simplifies is docs/designs-and-flaws.md D5c / docs/kernel-semantics.md §3.2.
//
// State per page: attr, present, mapped, pins 0..2, dma; per converter: pc and page.
// The page machine also has a `lock` region, set by convertBegin and cleared by
// convertCommit: it is locked(i) of the spec, a function of the converters' state, so
// the distinct-state counts are exactly the spec's (N=1,K=1: 22; N=2,K=1: 435).
// Expected verdicts: all three invariants hold in every reachable state.
import { and, assign, setup, stateIn } from 'xstate';
import { defineModel, range, outcome, outcomeActions, type WorldEventSpec } from '../src/index.js';
import { noDmaOfPrivate, noHostMapOfPrivate, noPinOnPrivate } from '../properties/isolation.js';

type PageEvent =
  | { type: 'fault' | 'unmap' | 'pin' | 'unpin' | 'dmaMap' | 'dmaUnmap' | 'punchHole' | 'toShared' }
  | { type: 'begin' | 'commit' };

const unlocked = stateIn('#page.lock.unlocked');
const noDma = stateIn('#page.dma.unmapped');

export const benchPage = setup({
  types: { context: {} as { pins: number }, events: {} as PageEvent },
  actions: {
    ...outcomeActions,
    pinInc: assign({ pins: ({ context }) => context.pins + 1 }),
    pinDec: assign({ pins: ({ context }) => context.pins - 1 }),
  },
  guards: {
    canFault: and([stateIn('#page.attr.shared'), unlocked, stateIn('#page.hostMap.unmapped')]),
    canPin: and([stateIn('#page.hostMap.mapped'), ({ context }) => context.pins < 2]),
    pinned: ({ context }) => context.pins > 0,
    canPunch: and([stateIn('#page.residency.present'), ({ context }) => context.pins === 0, noDma, unlocked]),
    canBegin: and([stateIn('#page.attr.shared'), unlocked]),
    unreferenced: and([({ context }) => context.pins === 0, noDma]),
  },
}).createMachine({
  id: 'page',
  type: 'parallel',
  context: { pins: 0 },
  on: {
    pin: { guard: 'canPin', actions: 'pinInc' },
    unpin: { guard: 'pinned', actions: 'pinDec' },
  },
  states: {
    attr: {
      initial: 'shared',
      states: {
        shared: {
          on: { commit: { guard: and([stateIn('#page.lock.locked'), 'unreferenced']), target: 'private' } },
        },
        private: { on: { toShared: { guard: unlocked, target: 'shared' } } },
      },
    },
    residency: {
      initial: 'absent',
      states: {
        absent: { on: { fault: { guard: 'canFault', target: 'present' } } },
        present: { on: { punchHole: { guard: 'canPunch', target: 'absent' } } },
      },
    },
    hostMap: {
      initial: 'unmapped',
      states: {
        unmapped: { on: { fault: { guard: 'canFault', target: 'mapped' } } },
        mapped: {
          on: {
            unmap: 'unmapped',
            punchHole: { guard: 'canPunch', target: 'unmapped' },
            begin: { guard: 'canBegin', target: 'unmapped' },
          },
        },
      },
    },
    dma: {
      initial: 'unmapped',
      states: {
        unmapped: { on: { dmaMap: { guard: stateIn('#page.hostMap.mapped'), target: 'mapped' } } },
        mapped: { on: { dmaUnmap: 'unmapped' } },
      },
    },
    lock: {
      initial: 'unlocked',
      states: {
        unlocked: { on: { begin: { guard: 'canBegin', target: 'locked' } } },
        locked: {
          on: {
            commit: [
              { guard: 'unreferenced', target: 'unlocked' },
              { target: 'unlocked', actions: outcome('EAGAIN') },
            ],
          },
        },
      },
    },
  },
});

export const benchConverter = setup({
  types: {
    context: {} as { page: number },
    events: {} as { type: 'begin'; page: number } | { type: 'commit'; page: number },
  },
}).createMachine({
  id: 'converter',
  initial: 'idle',
  context: { page: 0 },
  states: {
    idle: { on: { begin: { target: 'converting', actions: assign({ page: ({ event }) => event.page }) } } },
    converting: {
      on: {
        commit: {
          guard: ({ context, event }) => context.page === event.page,
          target: 'idle',
          actions: assign({ page: 0 }),
        },
      },
    },
  },
});

const pageEvents: readonly [actor: string, type: PageEvent['type']][] = [
  ['vmm', 'fault'],
  ['vmm', 'unmap'],
  ['gup', 'pin'],
  ['gup', 'unpin'],
  ['vfio', 'dmaMap'],
  ['vfio', 'dmaUnmap'],
  ['vmm', 'punchHole'],
  ['guest', 'toShared'],
];

const page = (i: number): string => `page${i}`;
const conv = (k: number): string => `converter${k}`;

export default defineModel({
  id: 'bench',
  title: 'Benchmark: simplified in-place conversion (docs/bench.md)',
  summary:
    'The exactly specified benchmark of docs/bench.md: N pages (attr, present, mapped, pins, dma) and K converters that lock a page, unmap it and commit it private unless pinned or DMA-mapped (EAGAIN). All three invariants hold; a check explores the whole state space. Pages are interchangeable, and so are converters.',
  sources: ['../shared/docs/bench.md', 'docs/designs-and-flaws.md D5c', 'docs/kernel-semantics.md §3.2'],
  params: {
    pages: { default: 2, min: 1, max: 8, doc: 'number of pages (N)' },
    converters: { default: 1, min: 1, max: 4, doc: 'number of converter actors (K)' },
  },
  variants: {
    spec: {
      doc: 'the model exactly as docs/bench.md specifies it',
      flaws: [],
      expect: {
        'no-host-map-of-private': 'holds',
        'no-pin-on-private': 'holds',
        'no-dma-of-private': 'holds',
      },
    },
  },
  properties: [noHostMapOfPrivate(), noPinOnPrivate(), noDmaOfPrivate()],
  build({ pages, converters }) {
    const events: WorldEventSpec[] = [];
    for (const i of range(pages)) {
      for (const [actor, type] of pageEvents) {
        events.push({ actor, type, args: { page: i }, sync: [{ machine: page(i), event: { type } }] });
      }
      for (const k of range(converters)) {
        events.push({
          actor: conv(k),
          type: 'convertBegin',
          args: { page: i },
          sync: [
            { machine: conv(k), event: { type: 'begin', page: i } },
            { machine: page(i), event: { type: 'begin' } },
          ],
        });
      }
    }
    for (const k of range(converters)) {
      for (const i of range(pages)) {
        events.push({
          actor: conv(k),
          type: 'convertCommit',
          args: { page: i },
          sync: [
            { machine: conv(k), event: { type: 'commit', page: i } },
            { machine: page(i), event: { type: 'commit' } },
          ],
        });
      }
    }
    return {
      machines: [
        ...range(pages).map((i) => ({ id: page(i), machine: benchPage })),
        ...range(converters).map((k) => ({ id: conv(k), machine: benchConverter })),
      ],
      events,
      symmetry: [
        {
          name: 'pages',
          slots: range(pages).map((i) => [page(i)]),
          refs: [{ kind: 'converter', field: 'page', when: (s) => s.matches('converting') }],
        },
        { name: 'converters', slots: range(converters).map((k) => [conv(k)]) },
      ],
    };
  },
});
