// snp-tdx-platform: SEV-SNP and TDX rules that turn a host access to private memory into a
// crash (docs/designs-and-flaws.md D11, F17, F18, F34; docs/kernel-semantics.md INV-5).
//
// Sources:
// - SNP host series (Michael Roth, Jan 2024, tip x86/sev): 661b1c6169e2 "x86/sev: Adjust the
//   directmap to avoid inadvertent RMP faults" splits 2 MiB+ direct-map entries before
//   RMPUPDATE (F17); 8dac642999b1 "x86/sev: Introduce an SNP leaked pages list": a page the
//   firmware fails to reclaim is leaked, never freed (F34). Mainline ids assumed equal
//   (docs §4, rows 13-14).
// - TDX host series (Kai Huang, Dec 2023) and seed 002 (Kirill Shutemov): "A partial write to
//   a TDX private memory cacheline will silently 'poison' the line. Subsequent reads will
//   consume the poison and generate a machine check"; 1e536e106897, 70060463cb2b (erratum
//   detection and #MC attribution); KVM clears reclaimed private pages with MOVDIR64B (F18).
// UNCONFIRMED (docs/kernel-semantics.md §6 item 5): the SNP/TDX hook names and erratum details.
//
// Variants are three scenarios, each with its own machine (models/machines/platform.ts):
// - F17: two pages under one 2 MiB direct-map entry, a converter assigning page 1 to the
//   guest and a kernel writer of page 0: snp-2m-directmap (F17), snp-split-directmap.
// - F18: one private TDX page, a stray partial writer (MOVNTI, UC/WC mapping, DMA), the TD,
//   reclaim to the host and a host reader: tdx-reclaim-no-clear (F18), tdx-reclaim-movdir64b.
//   The TD itself still consumes poison written before reclaim ('guest-consumes-poison' is
//   reached in both): clearing on reclaim protects the host only, and the precondition "no
//   partial write to a private page" stays the job of the designs with stale write paths.
// - F34: one guest page freed by guest_memfd, the firmware answering the reclaim with success
//   or failure, and the next host user of the page: snp-reclaim-fail-freed (F34),
//   snp-reclaim-fail-leaked.
// Bound: exhaustive; shortest counterexamples 2 (F17), 3 (F18) and 3 (F34) steps, within
// docs/designs-and-flaws.md §3 (3, 3, 3).
import {
  defineModel,
  participant,
  sometimesStep,
  type Args,
  type MachineEvent,
  type System,
} from '../src/index.js';
import {
  freedPageAccounted,
  noAssignedPageInAllocator,
  noHostPoisonRead,
  noRmpFault,
} from '../properties/platform.js';
import { granuleMachine, snpPageMachine, tdxPageMachine } from './machines/platform.js';

type Variant =
  | 'snp-2m-directmap'
  | 'snp-split-directmap'
  | 'tdx-reclaim-no-clear'
  | 'tdx-reclaim-movdir64b'
  | 'snp-reclaim-fail-freed'
  | 'snp-reclaim-fail-leaked';

type Prop =
  | 'no-rmp-fault'
  | 'no-host-poison-read'
  | 'no-assigned-page-in-allocator'
  | 'page-assigned'
  | 'guest-consumes-poison'
  | 'page-leaked'
  | 'freed-page-accounted';
type Expected = 'holds' | 'vacuous' | 'violated' | 'reached' | 'unreached';

/** Expectations: invariants hold and reachability goals are unreached unless listed. */
function expected(v: Partial<Record<Prop, Expected>>): Record<Prop, Expected> {
  return {
    'no-rmp-fault': 'holds',
    'no-host-poison-read': 'holds',
    'no-assigned-page-in-allocator': 'holds',
    'page-assigned': 'unreached',
    'guest-consumes-poison': 'unreached',
    'page-leaked': 'unreached',
    'freed-page-accounted': 'holds',
    ...v,
  };
}

/** A system of one machine instance `id`; each event is one actor step on it, args as given. */
function single(
  id: string,
  machine: System['machines'][number]['machine'],
  steps: readonly (readonly [string, string, MachineEvent, Args?])[],
): System {
  return {
    machines: [{ id, machine }],
    events: steps.map(([actor, type, event, args]) => ({
      actor,
      type,
      args: args ?? {},
      sync: [participant(id, event)],
    })),
  };
}

export default defineModel<never, Variant>({
  id: 'snp-tdx-platform',
  title: 'SEV-SNP / TDX platform rules: RMP faults, partial-write poison, failed reclaim (D11)',
  summary:
    'Host accesses that the platform turns into crashes. SNP: a kernel write through a 2 MiB direct-map entry that covers a guest-assigned 4 KiB page raises an RMP #PF (F17) unless the direct map is split before RMPUPDATE (661b1c6169e2); a page the firmware fails to reclaim must be leaked, not freed (F34, 8dac642999b1). TDX: a partial write poisons a private line and a host read after reclaim consumes it (F18) unless reclaim rewrites the page with MOVDIR64B. Explored exhaustively.',
  sources: [
    'docs/designs-and-flaws.md D11, F17, F18, F34, §4 rows 13-15',
    'docs/kernel-semantics.md INV-5',
    'seeds/002 (Kirill Shutemov: partial writes to TDX private memory poison the line)',
    '661b1c6169e2 x86/sev: Adjust the directmap to avoid inadvertent RMP faults',
    '8dac642999b1 x86/sev: Introduce an SNP leaked pages list',
    '1e536e106897, 70060463cb2b (TDX partial-write #MC erratum)',
  ],
  unconfirmed: ['SNP/TDX arch hook names and the TDX erratum details (kernel-semantics §6 item 5)'],
  params: {},
  variants: {
    'snp-2m-directmap': {
      doc: 'RMPUPDATE assigns page 1 while a 2 MiB direct-map entry still covers it and page 0',
      flaws: ['F17'],
      fixedBy: 'snp-split-directmap',
      expect: expected({
        'no-rmp-fault': 'violated',
        'page-assigned': 'reached',
        'freed-page-accounted': 'vacuous',
      }),
    },
    'snp-split-directmap': {
      doc: '661b1c6169e2: split the direct-map entry to 4 KiB before RMPUPDATE',
      flaws: [],
      expect: expected({ 'page-assigned': 'reached', 'freed-page-accounted': 'vacuous' }),
    },
    'tdx-reclaim-no-clear': {
      doc: 'a reclaimed private page goes back to the host with its poisoned line',
      flaws: ['F18'],
      fixedBy: 'tdx-reclaim-movdir64b',
      expect: expected({
        'no-host-poison-read': 'violated',
        'guest-consumes-poison': 'reached',
        'freed-page-accounted': 'vacuous',
      }),
    },
    'tdx-reclaim-movdir64b': {
      doc: 'KVM rewrites every reclaimed private page with MOVDIR64B, which clears the poison',
      flaws: [],
      expect: expected({ 'guest-consumes-poison': 'reached', 'freed-page-accounted': 'vacuous' }),
    },
    'snp-reclaim-fail-freed': {
      doc: 'a page the firmware failed to reclaim is returned to the page allocator anyway',
      flaws: ['F34'],
      fixedBy: 'snp-reclaim-fail-leaked',
      expect: expected({ 'no-rmp-fault': 'violated', 'no-assigned-page-in-allocator': 'violated' }),
    },
    'snp-reclaim-fail-leaked': {
      doc: '8dac642999b1: a page the firmware failed to reclaim goes on the SNP leaked pages list',
      flaws: [],
      expect: expected({ 'page-leaked': 'reached' }),
    },
  },
  properties: [
    freedPageAccounted(),
    noRmpFault(),
    noHostPoisonRead(),
    noAssignedPageInAllocator(),
    sometimesStep(
      'page-assigned',
      'RMPUPDATE assigns a page to the guest',
      (s) => s.type === 'rmpAssign' && s.outcome === 'ok',
    ),
    sometimesStep(
      'guest-consumes-poison',
      'the TD reads a line poisoned by a partial write (a guest #MC)',
      (s) => s.outcome === 'guest#MC',
    ),
    sometimesStep(
      'page-leaked',
      'a page the firmware failed to reclaim is leaked (accounted, never reused)',
      (s) => s.type === 'reclaimFail' && s.outcome === 'FW_ERR' && s.args['leak'] === true,
    ),
  ],
  build(_params, variant) {
    switch (variant) {
      case 'snp-2m-directmap':
      case 'snp-split-directmap':
        return single('granule', granuleMachine, [
          ['converter', 'rmpAssign', { type: 'rmpAssign', split: variant === 'snp-split-directmap' }],
          ['converter', 'rmpShare', { type: 'rmpShare' }],
          ['kernel', 'hostWrite', { type: 'hostWrite', page: 0 }],
        ]);
      case 'tdx-reclaim-no-clear':
      case 'tdx-reclaim-movdir64b':
        return single('page', tdxPageMachine, [
          ['writer', 'partialWrite', { type: 'partialWrite' }],
          ['guest', 'guestRead', { type: 'guestRead' }],
          ['kvm', 'reclaim', { type: 'reclaim', clear: variant === 'tdx-reclaim-movdir64b' }],
          ['host', 'hostRead', { type: 'hostRead' }],
        ]);
      default: {
        const leak = variant === 'snp-reclaim-fail-leaked';
        return single('page', snpPageMachine, [
          ['gmem', 'free', { type: 'free' }],
          ['firmware', 'reclaimOk', { type: 'reclaimOk' }],
          ['firmware', 'reclaimFail', { type: 'reclaimFail', leak }, { leak }],
          ['host', 'hostWrite', { type: 'hostWrite' }],
        ]);
      }
    }
  },
});
