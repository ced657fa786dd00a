// snp-directmap: a host kernel write through a 2 MiB direct-map entry that covers a page the
// RMP assigns to an SEV-SNP guest (docs/designs-and-flaws.md D11, F17; docs/kernel-semantics.md
// INV-5).
//
// Sources:
// - 661b1c6169e2 "x86/sev: Adjust the directmap to avoid inadvertent RMP faults" (Michael
//   Roth, Jan 2024, tip x86/sev; mainline id assumed equal, docs §4 row 13): "If the kernel
//   uses a 2MB or larger directmap mapping to write to an address, and that mapping contains
//   any 4KB pages that are set to private in the RMP table, an RMP #PF will trigger and cause
//   a host crash ... other kernel tasks writing to other PFNs in the range may trigger these
//   checks inadvertently"; rmpupdate() now calls adjust_direct_map(), which splits the
//   mapping with set_memory_4k() before RMPUPDATE. set_memory_4k() flushes the TLB (cpa
//   flush), so the split is one step here.
// - arch/x86/kvm/svm/sev.c (torvalds/linux 0097f9df996f): sev_gmem_prepare() →
//   rmp_make_private(); sev_gmem_invalidate() → rmp_make_shared().
// UNCONFIRMED (docs/kernel-semantics.md §6 item 5): the SNP hook names as seen in one tree.
//
// Machines: the granule (models/machines/platform.ts: the direct map over p0 and p1, and
// p1's RMP entry) and the converter, an actor that makes p1 private and shared again. A
// kernel writer writes p0 (a host page) at any time.
// Variants (the only difference is the converter's steps):
// - rmpupdate-only (F17): RMPUPDATE makes p1 private with the 2 MiB entry in place.
// - split-before-rmpupdate (661b1c6169e2): adjust_direct_map() splits the entry first.
// Bound: exhaustive (12 states at most); shortest counterexample 2 events (docs §3: 3 steps,
// the first being the initial 2 MiB mapping).
import { defineModel, sometimesStep, worldEvent, type WorldEventSpec } from '../src/index.js';
import { noRmpFault } from '../properties/platform.js';
import { actorStep, sequentialActor } from './machines/actor.js';
import { granuleMachine, type GranuleContext } from './machines/platform.js';

type Variant = 'rmpupdate-only' | 'split-before-rmpupdate';

const GRANULE = 'granule';
/** The converter works on p1, the page the guest gets. */
const P1 = 1;

/** One converter step on p1: the actor's phase and the granule's event of the same name. */
const converterStep = (phase: string, type: string, kernel: string): WorldEventSpec =>
  worldEvent(
    'converter',
    type,
    {},
    [actorStep('converter', phase, P1), { machine: GRANULE, event: { type } }],
    {
      kernel,
    },
  );

/** The converter's steps: RMPUPDATE private, RMPUPDATE shared; the fix splits the direct map first. */
function converter(split: boolean): { phases: string[]; events: WorldEventSpec[] } {
  const events = [
    converterStep(
      'assigned',
      'rmpMakePrivate',
      'sev_gmem_prepare() → rmp_make_private(): RMPUPDATE assigns p1 to the guest',
    ),
    converterStep(
      'shared',
      'rmpMakeShared',
      'sev_gmem_invalidate() → rmp_make_shared(): RMPUPDATE gives p1 back to the host',
    ),
  ];
  if (!split) return { phases: ['assigned', 'shared'], events };
  return {
    phases: ['directMapSplit', 'assigned', 'shared'],
    events: [
      converterStep(
        'directMapSplit',
        'splitDirectMap',
        'rmpupdate() → adjust_direct_map() → set_memory_4k(): split the 2 MiB direct-map entry (661b1c6169e2)',
      ),
      ...events,
    ],
  };
}

const granule = (t: { get(id: string): { context: unknown } }): GranuleContext =>
  t.get(GRANULE).context as GranuleContext;

export default defineModel<never, Variant>({
  id: 'snp-directmap',
  title: 'SEV-SNP: a 2 MiB direct-map entry covering a guest-assigned page (D11, F17)',
  summary:
    'Two 4 KiB pages share one 2 MiB kernel direct-map entry. A converter makes p1 guest-private by RMPUPDATE and shared again; a kernel writer writes p0, a host page, at any time. The RMP check is made at the mapping size, so once p1 is assigned a write to p0 through the 2 MiB entry raises an RMP #PF and crashes the host (F17), unless the direct map was split to 4 KiB before RMPUPDATE (661b1c6169e2). Explored exhaustively.',
  sources: [
    'docs/designs-and-flaws.md D11, F17, §4 row 13',
    'docs/kernel-semantics.md INV-5',
    '661b1c6169e2 x86/sev: Adjust the directmap to avoid inadvertent RMP faults',
    'arch/x86/kvm/svm/sev.c sev_gmem_prepare(), sev_gmem_invalidate() (torvalds/linux 0097f9df996f)',
  ],
  unconfirmed: ['mainline id of 661b1c6169e2 assumed equal to the tip x86/sev one (docs §4 row 13)'],
  params: {},
  variants: {
    'rmpupdate-only': {
      doc: 'RMPUPDATE assigns p1 while the 2 MiB direct-map entry still covers it and p0',
      flaws: ['F17'],
      fixedBy: 'split-before-rmpupdate',
      expect: { 'no-rmp-fault': 'violated', 'page-assigned': 'reached' },
    },
    'split-before-rmpupdate': {
      doc: '661b1c6169e2: rmpupdate() splits the direct-map entry to 4 KiB (set_memory_4k) before RMPUPDATE',
      flaws: [],
      expect: { 'no-rmp-fault': 'holds', 'page-assigned': 'reached' },
    },
  },
  properties: [
    // About a write to p0 while p1 is assigned: what the fix must survive.
    noRmpFault((t) => t.type === 'hostWriteP0' && granule(t.before).p1 === 'guest'),
    sometimesStep(
      'page-assigned',
      'RMPUPDATE assigns p1 to the guest',
      (s) => s.type === 'rmpMakePrivate' && s.outcome === 'ok',
    ),
  ],
  build(_params, variant) {
    const { phases, events } = converter(variant === 'split-before-rmpupdate');
    return {
      machines: [
        { id: GRANULE, machine: granuleMachine },
        { id: 'converter', machine: sequentialActor('converter', phases) },
      ],
      events: [
        ...events,
        worldEvent('kernel', 'hostWriteP0', {}, [{ machine: GRANULE, event: { type: 'hostWriteP0' } }], {
          kernel: 'a kernel write to p0 through the direct map (any task: page cache, slab, clear_page())',
        }),
      ],
    };
  },
});
