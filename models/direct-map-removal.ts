// direct-map-removal: guest memory removed from the kernel direct map, and how the kernel
// still reaches it (docs/designs-and-flaws.md D8, F19, F20, F22; docs/kernel-semantics.md
// §1.9, §3.4, INV-16).
//
// Sources:
// - Patrick Roy, "unmapping guest_memfd from direct map" v1 (Jul 2024): on-demand restore,
//   access, zap; the patch's rules "Only a single gfn_to_pfn_cache can exist for any given
//   pfn" and "All non-gfn_to_pfn_cache code paths … complete the entire map->access->unmap
//   critical section while holding the folio lock", and its race
//   "map(A)->map(B)->read(A)->unmap(A)->read(B) [BOOM]" (F19).
// - 65291dcfcf89 "mm/secretmem: fix GUP-fast succeeding on secretmem folios" (Fixes:
//   1507f51255c9): gup_fast_folio_allowed() refuses secretmem folios, and a NULL mapping
//   (a truncated folio) falls back to the slow path, which refuses the VMA (F20). The 2026
//   patch "mm/gup: fix GUP-fast fallback for NULL-mapping order-0 folios" would accept such
//   folios in the fast path; reviewers objected that a just-truncated secretmem folio also
//   has a NULL mapping (the regression probe). secretmem_fault() zaps the direct map;
//   freeing the folio restores it (NO_DIRECT_MAP v9 does the same: §3.4 rule 3).
// - Seed 001 (Sean Christopherson, 13 May 2024): "switch to KVM's CR3 … That's an
//   imperfect solution as IRQs and NMIs will run kernel code with KVM's page tables" (F22);
//   the alternative "mapping all of guest_memfd into kernel address space, but as USER=1
//   mappings … require CLAC/STAC … when CPUs that support LASS come along, userspace would be
//   completely unable to access guest memory through KVM's magic mapping".
// UNCONFIRMED: x86 entry code clears EFLAGS.AC on every interrupt and exception entry
// (ASM_CLAC), which is what makes the USER=1 variant hold; the docs do not say it. The model
// is architectural: Sean's "I think/hope" about speculative protection is not checked.
//
// Variants are three design points, each with its own actors:
// - F19: one page, two kernel accessors (restore, read, zap): on-demand-restore (F19),
//   refcounted-restore (the mutant that must pass), folio-lock-restore (the patch's rule).
// - F20: one secretmem folio, a user (fault, truncate), GUP-fast (grab, check, unpin) and a
//   kernel reader of the pinned page: gup-fast-early-exit (F20), gup-fast-mapping-check
//   (65291dcfcf89), gup-fast-null-mapping-ok (the 2026 probe).
// - F22: one CPU, the vCPU thread and an interrupt: kvm-only-cr3 (F22), user-mapping-lass,
//   user-mapping-no-entry-clac (the USER=1 design without the entry CLAC it relies on).
// Bound: exhaustive; the shortest counterexamples are 5 (F19), 4 (F20; 5 for the probe)
// and 3 (F22) steps, within docs/designs-and-flaws.md §3 (6, 4 + truncate, 3).
import {
  defineModel,
  participant,
  sometimesStep,
  type MachineInstance,
  type WorldEventSpec,
} from '../src/index.js';
import {
  gupRefusesNoDirectMap,
  noAccessWithoutDirectMap,
  onlyKvmReadsGuestMemory,
} from '../properties/directMap.js';
import { actorStep, sequentialActor } from './machines/actor.js';
import {
  dmapPageMachine,
  secretFolioMachine,
  type GupPolicy,
  type RestoreMode,
} from './machines/directMap.js';
import { cpuMachine, type Design } from './machines/kvmCpu.js';

type Variant =
  | 'on-demand-restore'
  | 'refcounted-restore'
  | 'folio-lock-restore'
  | 'gup-fast-early-exit'
  | 'gup-fast-mapping-check'
  | 'gup-fast-null-mapping-ok'
  | 'kvm-only-cr3'
  | 'user-mapping-lass'
  | 'user-mapping-no-entry-clac';

type Prop =
  | 'no-access-without-direct-map'
  | 'gup-refuses-no-direct-map'
  | 'only-kvm-reads-guest-memory'
  | 'accessor-reads'
  | 'gup-fast-refused'
  | 'kvm-reads-guest-memory';
type Verdicts = Partial<Record<Prop, 'violated' | 'reached'>>;

/** Expectations: invariants hold and reachability goals are unreached unless listed. */
function expected(v: Verdicts): Record<Prop, 'holds' | 'violated' | 'reached' | 'unreached'> {
  const base = {
    'no-access-without-direct-map': 'holds',
    'gup-refuses-no-direct-map': 'holds',
    'only-kvm-reads-guest-memory': 'holds',
    'accessor-reads': 'unreached',
    'gup-fast-refused': 'unreached',
    'kvm-reads-guest-memory': 'unreached',
  } as const;
  return { ...base, ...v };
}

const RESTORE: Partial<Record<Variant, RestoreMode>> = {
  'on-demand-restore': 'plain',
  'refcounted-restore': 'refcount',
  'folio-lock-restore': 'locked',
};
const POLICY: Partial<Record<Variant, GupPolicy>> = {
  'gup-fast-early-exit': 'none',
  'gup-fast-mapping-check': 'mapping',
  'gup-fast-null-mapping-ok': 'null-ok',
};

const PAGE = 'page';
const FOLIO = 'folio';
const CPU = 'cpu';
const accessorMachine = sequentialActor('accessor', ['mapped', 'read', 'unmapped']);
const accId = (k: number): string => `accessor${k}`;

/** F19: two accessors restore, read and zap the direct-map entry of one page. */
function onDemand(mode: RestoreMode): { machines: MachineInstance[]; events: WorldEventSpec[] } {
  const events: WorldEventSpec[] = [];
  for (const k of [0, 1]) {
    const acc = accId(k);
    events.push(
      {
        actor: acc,
        type: 'map',
        args: {},
        sync: [actorStep(acc, 'mapped', 0), participant(PAGE, { type: 'restore', mode })],
      },
      {
        actor: acc,
        type: 'read',
        args: {},
        sync: [actorStep(acc, 'read', 0), participant(PAGE, { type: 'read' })],
      },
      {
        actor: acc,
        type: 'unmap',
        args: {},
        sync: [actorStep(acc, 'unmapped', 0), participant(PAGE, { type: 'zap', mode })],
      },
    );
  }
  const machines: MachineInstance[] = [
    { id: PAGE, machine: dmapPageMachine },
    { id: accId(0), machine: accessorMachine },
    { id: accId(1), machine: accessorMachine },
  ];
  return { machines, events };
}

/** F20: a user maps and truncates a secretmem folio; GUP-fast and a kernel reader race with it. */
function gupFast(policy: GupPolicy): { machines: MachineInstance[]; events: WorldEventSpec[] } {
  const on = (actor: string, type: string, event: Parameters<typeof participant>[1]): WorldEventSpec => ({
    actor,
    type,
    args: {},
    sync: [participant(FOLIO, event)],
  });
  const events = [
    on('user', 'userFault', { type: 'userFault' }),
    on('user', 'truncate', { type: 'truncate' }),
    on('gupFast', 'gupFastGrab', { type: 'gupGrab' }),
    on('gupFast', 'gupFastCheck', { type: 'gupCheck', policy }),
    on('kernel', 'kernelRead', { type: 'kernelRead' }),
    on('gupFast', 'unpin', { type: 'unpin' }),
  ];
  return { machines: [{ id: FOLIO, machine: secretFolioMachine }], events };
}

/** F22: the vCPU thread reaches guest memory; an interrupt handler should not. */
function kvmCpu(
  design: Design,
  entryClac: boolean,
): { machines: MachineInstance[]; events: WorldEventSpec[] } {
  const on = (actor: string, type: string, event: Parameters<typeof participant>[1]): WorldEventSpec => ({
    actor,
    type,
    args: {},
    sync: [participant(CPU, event)],
  });
  const enter = design === 'kvm-cr3' ? ['kvmRun', 'kvmExit'] : ['stac', 'clac'];
  const events = [
    on('vcpu', enter[0] as string, { type: enter[0] as string }),
    on('vcpu', 'read', { type: 'read', design, by: 'task' }),
    on('vcpu', enter[1] as string, { type: enter[1] as string }),
    on('irq', 'irqEnter', { type: 'irqEnter', clac: entryClac }),
    on('irq', 'read', { type: 'read', design, by: 'irq' }),
    on('irq', 'irqExit', { type: 'irqExit' }),
  ];
  return { machines: [{ id: CPU, machine: cpuMachine }], events };
}

export default defineModel<never, Variant>({
  id: 'direct-map-removal',
  title: 'Direct-map removal: on-demand restore, GUP-fast, KVM-only CR3 vs USER=1 mapping (D8)',
  summary:
    'Guest memory removed from the kernel direct map, and the paths that still reach it. On-demand restore by two kernel accessors zaps the entry under the other (F19) unless restores are counted or taken under the folio lock; GUP-fast pins a secretmem folio when its check is skipped (F20, fixed by 65291dcfcf89) or when a truncated folio with a NULL mapping is accepted (the 2026 probe); a KVM-only CR3 leaves guest memory readable by interrupt handlers (F22), which a USER=1 mapping behind SMAP, with the entry code clearing EFLAGS.AC, does not. Explored exhaustively.',
  sources: [
    'docs/designs-and-flaws.md D8, F19, F20, F22',
    'docs/kernel-semantics.md §1.9, §3.4, INV-16',
    'seeds/001 (Sean Christopherson: KVM-only CR3, USER=1 + LASS)',
    'Patrick Roy, unmapping guest_memfd from direct map v1 (Jul 2024)',
    '65291dcfcf89 mm/secretmem: fix GUP-fast succeeding on secretmem folios',
    'mm/gup: fix GUP-fast fallback for NULL-mapping order-0 folios (2026 patch, questioned)',
  ],
  unconfirmed: [
    'x86 interrupt entry clears EFLAGS.AC (ASM_CLAC): the USER=1 variant relies on it',
    'speculative reach of USER=1 mappings under SMAP/LASS is not modelled (seed 001: "I think/hope")',
  ],
  params: {},
  variants: {
    'on-demand-restore': {
      doc: 'v1: each accessor restores the entry, reads, zaps it, with no count and no lock',
      flaws: ['F19'],
      fixedBy: 'folio-lock-restore',
      expect: expected({ 'no-access-without-direct-map': 'violated', 'accessor-reads': 'reached' }),
    },
    'refcounted-restore': {
      doc: 'mutant: restores are counted and only the last accessor zaps the entry',
      flaws: [],
      expect: expected({ 'accessor-reads': 'reached' }),
    },
    'folio-lock-restore': {
      doc: 'v1 rule: map→access→unmap under the folio lock (one gfn_to_pfn_cache per pfn)',
      flaws: [],
      expect: expected({ 'accessor-reads': 'reached' }),
    },
    'gup-fast-early-exit': {
      doc: 'GUP-fast exits early for non-LRU folios and never tests for secretmem',
      flaws: ['F20'],
      fixedBy: 'gup-fast-mapping-check',
      expect: expected({
        'no-access-without-direct-map': 'violated',
        'gup-refuses-no-direct-map': 'violated',
      }),
    },
    'gup-fast-mapping-check': {
      doc: '65291dcfcf89: refuse secretmem mappings; a NULL mapping falls back to the slow path',
      flaws: [],
      expect: expected({ 'gup-fast-refused': 'reached' }),
    },
    'gup-fast-null-mapping-ok': {
      doc: '2026 probe: GUP-fast accepts an order-0 folio with a NULL mapping (truncated secretmem too)',
      flaws: ['F20'],
      fixedBy: 'gup-fast-mapping-check',
      expect: expected({
        'no-access-without-direct-map': 'violated',
        'gup-refuses-no-direct-map': 'violated',
        'gup-fast-refused': 'reached',
      }),
    },
    'kvm-only-cr3': {
      doc: "guest memory mapped only in KVM's CR3, loaded at KVM_RUN; interrupts run on it",
      flaws: ['F22'],
      fixedBy: 'user-mapping-lass',
      expect: expected({ 'only-kvm-reads-guest-memory': 'violated', 'kvm-reads-guest-memory': 'reached' }),
    },
    'user-mapping-lass': {
      doc: 'guest memory mapped USER=1 in the kernel range; KVM reads between STAC and CLAC; entry code clears AC',
      flaws: [],
      expect: expected({ 'kvm-reads-guest-memory': 'reached' }),
    },
    'user-mapping-no-entry-clac': {
      doc: 'mutant: USER=1 mapping, but interrupt entry keeps EFLAGS.AC of the interrupted STAC window',
      flaws: ['F22'],
      fixedBy: 'user-mapping-lass',
      expect: expected({ 'only-kvm-reads-guest-memory': 'violated', 'kvm-reads-guest-memory': 'reached' }),
    },
  },
  properties: [
    noAccessWithoutDirectMap(),
    gupRefusesNoDirectMap(),
    onlyKvmReadsGuestMemory(),
    sometimesStep(
      'accessor-reads',
      'a kernel accessor reads the page through its restored direct-map entry',
      (s) => s.actor.startsWith('accessor') && s.type === 'read' && s.outcome === 'ok',
    ),
    sometimesStep(
      'gup-fast-refused',
      'GUP-fast refuses the folio (EFAULT after the slow path)',
      (s) => s.type === 'gupFastCheck' && s.outcome === 'EFAULT',
    ),
    sometimesStep(
      'kvm-reads-guest-memory',
      'the vCPU thread reads guest memory (the design does not lock KVM out)',
      (s) => s.actor === 'vcpu' && s.type === 'read' && s.outcome === 'ok',
    ),
  ],
  build(_params, variant) {
    const restore = RESTORE[variant];
    // No symmetry group for the two accessors: BFS paths through canonical states do not
    // replay as concrete event sequences (the engine keeps no permutation per state).
    if (restore !== undefined) return onDemand(restore);
    const policy = POLICY[variant];
    if (policy !== undefined) return gupFast(policy);
    return variant === 'kvm-only-cr3'
      ? kvmCpu('kvm-cr3', true)
      : kvmCpu('user-mapping', variant === 'user-mapping-lass');
  },
});
