// tdx-poison: TDX partial-write poison of a private page, consumed after the page went back
// to the host (docs/designs-and-flaws.md D11, F18; docs/kernel-semantics.md INV-5).
//
// Sources:
// - Seed 002 (Kirill Shutemov, 2021): "A partial write to a TDX private memory cacheline will
//   silently 'poison' the line. Subsequent reads will consume the poison and generate a
//   machine check"; reads by the host are otherwise harmless on TDX.
// - 1e536e106897 "x86/cpu: Detect TDX partial write machine check erratum", 70060463cb2b
//   "x86/mce: Differentiate real hardware #MCs from TDX erratum ones" (docs §4 row 15).
// - TDX host series (Kai Huang, Dec 2023): after TDH.PHYMEM.PAGE.RECLAIM, KVM clears the page
//   with MOVDIR64B (tdx_clear_page(), later conditional on X86_BUG_TDX_PW_MCE) before freeing
//   it: a full-line direct store that rewrites a poisoned line without reading it.
// UNCONFIRMED (docs/kernel-semantics.md §6 item 5): the erratum details and the clearing
// helper's name in the latest tree; that a partial write to a page no longer private (after
// reclaim) does not poison.
//
// Machines: the page (models/machines/platform.ts: owner and cache-line state) and KVM's
// reclaim path as an actor. Other actors: a stray partial writer (MOVNTI, a UC/WC mapping,
// device DMA) while the page is private, the TD reading its page, and the next host user of
// the page reading it.
// Variants (the only difference is KVM's reclaim path):
// - reclaim-no-clear (F18): TDH.PHYMEM.PAGE.RECLAIM, then free_page().
// - reclaim-movdir64b: TDH.PHYMEM.PAGE.RECLAIM, MOVDIR64B over the page, then free_page().
// Clearing on reclaim protects the host only: the TD still consumes poison written while it
// owns the page ('guest-consumes-poison' is reached in both), so "no partial write to a
// private page" stays the job of the designs with stale write paths (F9, F10).
// Bound: exhaustive; shortest counterexample 4 events (docs §3: 3 steps; the free is its own
// step here).
import { defineModel, sometimesStep, worldEvent, type WorldEventSpec } from '../src/index.js';
import { noHostPoisonRead } from '../properties/platform.js';
import { actorStep, sequentialActor } from './machines/actor.js';
import { tdxPageMachine, type TdxPageContext } from './machines/platform.js';

type Variant = 'reclaim-no-clear' | 'reclaim-movdir64b';

const PAGE = 'page';
const on = (type: string) => ({ machine: PAGE, event: { type } });

/** One step of KVM's reclaim path: the actor's phase and the page's event of the same name. */
const step = (phase: string, type: string, kernel: string): WorldEventSpec =>
  worldEvent('kvm', type, {}, [actorStep('kvm', phase, 0), on(type)], { kernel });

/** KVM's reclaim path: TDH.PHYMEM.PAGE.RECLAIM, [MOVDIR64B,] free_page(). */
function reclaimPath(clear: boolean): { phases: string[]; events: WorldEventSpec[] } {
  const reclaim = step(
    'reclaimed',
    'reclaim',
    'tdx_reclaim_page() → tdh_phymem_page_reclaim(): TDH.PHYMEM.PAGE.RECLAIM takes the page from the TD',
  );
  const free = step('freed', 'free', 'free_page(): the page goes back to the host page allocator');
  if (!clear) return { phases: ['reclaimed', 'freed'], events: [reclaim, free] };
  const movdir64b = step(
    'cleared',
    'movdir64b',
    'tdx_clear_page(): MOVDIR64B over every cache line of the reclaimed page',
  );
  return { phases: ['reclaimed', 'cleared', 'freed'], events: [reclaim, movdir64b, free] };
}

const page = (w: { get(id: string): { context: unknown } }): TdxPageContext =>
  w.get(PAGE).context as TdxPageContext;

export default defineModel<never, Variant>({
  id: 'tdx-poison',
  title: 'TDX: partial-write poison of a private page, read by the host after reclaim (D11, F18)',
  summary:
    "A TD's private page may take a partial (sub-cacheline) write from a stray writer (MOVNTI, UC/WC mapping, device DMA), which silently poisons the line; the TD may read its page; KVM reclaims it from the TDX module and frees it; the next host user reads it. Without clearing, the host consumes the poison (#MC, F18); KVM's reclaim path rewrites the page with MOVDIR64B, which clears it. The TD itself still consumes poison written while it owned the page. Explored exhaustively.",
  sources: [
    'docs/designs-and-flaws.md D11, F18, §4 row 15',
    'docs/kernel-semantics.md INV-5',
    'seeds/002 (Kirill Shutemov: partial writes to TDX private memory poison the line)',
    '1e536e106897, 70060463cb2b (TDX partial-write #MC erratum)',
    'TDX host series (Kai Huang, Dec 2023): reclaimed pages cleared with MOVDIR64B',
  ],
  unconfirmed: [
    'TDX erratum details and the clearing helper name (kernel-semantics §6 item 5)',
    'a partial write to a page no longer private does not poison it',
  ],
  params: {},
  variants: {
    'reclaim-no-clear': {
      doc: 'KVM frees a reclaimed private page as it is, poisoned lines included',
      flaws: ['F18'],
      fixedBy: 'reclaim-movdir64b',
      expect: { 'no-host-poison-read': 'violated', 'guest-consumes-poison': 'reached' },
    },
    'reclaim-movdir64b': {
      doc: 'KVM rewrites every line of a reclaimed page with MOVDIR64B before freeing it',
      flaws: [],
      expect: { 'no-host-poison-read': 'holds', 'guest-consumes-poison': 'reached' },
    },
  },
  properties: [
    // About a host read of a page that a partial write hit while it was private.
    noHostPoisonRead((t) => t.type === 'hostRead' && page(t.before).lines !== 'clean'),
    sometimesStep(
      'guest-consumes-poison',
      'the TD reads a line poisoned by a partial write (a guest #MC)',
      (s) => s.outcome === 'guest#MC',
    ),
  ],
  build(_params, variant) {
    const { phases, events } = reclaimPath(variant === 'reclaim-movdir64b');
    return {
      machines: [
        { id: PAGE, machine: tdxPageMachine },
        { id: 'kvm', machine: sequentialActor('kvm', phases) },
      ],
      events: [
        worldEvent('writer', 'partialWrite', {}, [on('partialWrite')], {
          kernel: 'a sub-cacheline write to the private page: MOVNTI, a UC/WC mapping, or device DMA',
        }),
        worldEvent('guest', 'guestRead', {}, [on('guestRead')], { kernel: 'the TD reads its private page' }),
        ...events,
        worldEvent('host', 'hostRead', {}, [on('hostRead')], {
          kernel: 'alloc_pages() hands the page to a new host user, which reads it',
        }),
      ],
    };
  },
});
