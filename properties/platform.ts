// Platform crash rules as properties (docs/designs-and-flaws.md D11, P-NoKernAccPriv,
// P-NoPoisonRead, L-NoLeak, F17, F18, F34; docs/kernel-semantics.md INV-5). Machines
// report an RMP violation as outcome 'RMP#PF' and a host read of a poisoned TDX line as
// '#MC' (models/machines/platform.ts). Each invariant takes the premise that names the
// situation it is about, so a hold where that situation never arises reads
// `holds (vacuous)`.
import {
  always,
  eventually,
  never,
  neverTransition,
  sometimesEach,
  type Property,
  type StateTest,
  type StepTest,
  type TransitionTest,
} from '../src/index.js';

/**
 * P-NoKernAccPriv at mapping granularity: no host write hits the RMP check. `premise`: the
 * write the model is about (a write to p0 while p1 is assigned; a write to a page the
 * allocator handed out after a reclaim).
 */
export const noRmpFault = (premise: TransitionTest): Property =>
  neverTransition(
    'no-rmp-fault',
    'the host never writes a guest-assigned page, directly or through a larger direct-map entry covering it (P-NoKernAccPriv, INV-5; an RMP #PF crashes the host)',
    (t) => t.outcome === 'RMP#PF',
    { premise },
  );

/**
 * no-rmp-fault with a premise on the step alone (compiled to a table, and searchable by
 * parallel BFS), for models whose premise needs no state: the host write the model is about.
 */
export const noRmpFaultStep = (premise: StepTest): Property =>
  never(
    'no-rmp-fault',
    'the host never writes a guest-assigned page, directly or through a larger direct-map entry covering it (P-NoKernAccPriv, INV-5; an RMP #PF crashes the host)',
    (s) => s.outcome === 'RMP#PF',
    { premise },
  );

/**
 * P-NoPoisonRead for the host: the host never consumes TDX partial-write poison.
 * `premise`: a host read of a page that a partial write hit while it was private.
 */
export const noHostPoisonRead = (premise: TransitionTest): Property =>
  neverTransition(
    'no-host-poison-read',
    'the host never reads a poisoned line of a page reclaimed from a TD (P-NoPoisonRead; a #MC)',
    (t) => t.outcome === '#MC',
    { premise },
  );

/** Pages of machine kind `kind` (snpPage) whose RMPUPDATE failed while they were freed. */
const reclaimFailed =
  (kind: string): StateTest =>
  (w) =>
    w.ids(kind).some((id) => (w.get(id).context as { reclaim: string }).reclaim === 'failed');

/**
 * F34: a page the RMP still assigns never reaches the page allocator or a host user.
 * Premise: a freed page's RMPUPDATE to hypervisor-owned failed.
 */
export const noAssignedPageInAllocator = (kind = 'snpPage'): Property =>
  always(
    'no-assigned-page-in-allocator',
    'a page still assigned in the RMP is never returned to the page allocator (F34, P-NoKernAccPriv)',
    (w) =>
      w.ids(kind).every((id) => {
        const c = w.get(id).context as { rmp: string; life: string };
        return !(c.rmp === 'guest' && (c.life === 'allocator' || c.life === 'reused'));
      }),
    { premise: reclaimFailed(kind) },
  );

const freeing =
  (kind: string, yes: boolean): StateTest =>
  (w) =>
    w.ids(kind).some((id) => (w.get(id).context as { life: string }).life === 'freeing') === yes;

/**
 * L-NoLeak: a page being freed ends in the allocator or on the leaked list (accounted),
 * with the release step weakly fair. The trigger (a page being freed) is its premise.
 */
export const freedPageAccounted = (kind = 'snpPage'): Property =>
  eventually(
    'freed-page-accounted',
    'every page freed by the VM returns to the allocator or is accounted as leaked (L-NoLeak)',
    { state: freeing(kind, false) },
    { after: freeing(kind, true), fair: ['release'] },
  );

/** Reachability: a page is on the SNP leaked pages list (the fix's path is taken). */
export const pageLeaked = (kind = 'snpPage'): Property =>
  sometimesEach(
    'page-leaked',
    'a page whose RMPUPDATE failed is kept on the leaked list (accounted, never reused)',
    kind,
    (s) => (s.context as { life: string }).life === 'leaked',
  );
