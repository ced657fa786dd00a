// One guest page index with abstract contents, as the conformance models see it: the
// guest_memfd folio at this index of the file in fd slot 0 (absent, or holding a value), the
// VMM's separate shared backing at the same GFN (mainline CoCo: the VMA behind
// userspace_addr), the attribute of the GFN (per VM in mainline, per guest_memfd page in
// INPLACE), and how the memslot covering the GFN routes guest accesses. GUP pins matter for
// INPLACE conversions (EAGAIN). Host user PTEs are not tracked: every host access outcome
// follows from the attribute (INV-1).
//
// GFN i and index i of fd 0's file are one machine. A memslot that binds fd 0 with
// `offset == base` (in pages) routes GFN i to index i (`gmem`); any other guest_memfd binding
// (another file, or a shifted offset) routes to memory the model does not hold (`other`):
// guest accesses there are not modelled (the event is not enabled). When the bound file is
// released, the slot stays bound-but-dead (`dead`): kvm_gmem_get_pfn() fails with -EFAULT
// and the access exits with KVM_EXIT_MEMORY_FAULT (§2.7, §2.12). Release also frees the
// inode's folios (the final iput, §2.7).
//
// Folios are order-0: kvm_gmem_get_folio() allocates order-0 folios and no path makes a
// large one (MADV_COLLAPSE is refused, §1.10, INV-10), so the model has no folio order.
//
// Contents are abstract bytes: '0x00' (a zeroed page), a data tag ('0xaa', 'A' ...), or
// '-' (no folio: the next use allocates a zeroed one, docs/kernel-semantics.md §1.1,
// INV-12). Reads report the value as the step's outcome.
import { assign, setup, type AnyStateMachine } from 'xstate';
import { outcome, outcomeActions } from '../../src/index.js';

export type Route = 'none' | 'normal' | 'gmem' | 'other' | 'dead';

export interface GmemContentsContext {
  readonly gm: string;
  readonly backing: string;
  readonly attr: 'shared' | 'private';
  readonly route: Route;
  /** The memslot (code) whose range covers this GFN; 0: none. */
  readonly routeSlot: number;
  /** The inode was created with MMAP: a binding makes the slot GMEM_ONLY (§1.3). */
  readonly mmapInode: boolean;
  /** The covering slot is KVM_MEMSLOT_GMEM_ONLY (bound to an MMAP inode): shared accesses go to gmem too. */
  readonly gmemOnly: boolean;
  readonly pins: number;
  /** NUMA policy of this index (the inode's shared policy, §2.20) as POLICY:NODE. */
  readonly policy: string;
  /** Node of the folio, fixed when it is allocated (the policy applies at allocation). */
  readonly node: number;
}

export type GmemContentsEvent =
  | { type: 'hostRead'; proc: number; prior: string }
  | { type: 'hostWrite'; proc: number; value: string; prior: string }
  | { type: 'backingRead' }
  | { type: 'backingWrite'; value: string }
  | { type: 'punch'; prior: string }
  | { type: 'reset'; mmap: boolean; attr: 'keep' | 'shared' | 'private'; prior: string }
  | { type: 'setAttr'; to: 'shared' | 'private'; prior: string }
  | { type: 'convert'; to: 'shared' | 'private'; prior: string }
  | { type: 'route'; to: Route; slot: number; prior: string }
  | { type: 'unroute'; slot: number; prior: string }
  | { type: 'released'; prior: string }
  | { type: 'guestRead' }
  | { type: 'guestWrite'; value: string }
  | { type: 'pin'; prior: string }
  | { type: 'unpin' }
  | { type: 'mbind'; policy: string; prior: string }
  | { type: 'policyRead' }
  | { type: 'nodeRead' };

export const ZERO = '0x00';
const NONE = '-';
const MAX_PINS = 1;

type Ctx = GmemContentsContext;
type Target = 'gm' | 'backing' | 'MEMORY_FAULT(PRIVATE)' | 'MEMORY_FAULT(SHARED)' | 'KVM_EXIT_MMIO';

/**
 * Where a guest access lands (§2.12): gmem for private or GMEM_ONLY, else the shared backing;
 * a released file under the slot fails kvm_gmem_get_pfn() with -EFAULT → KVM_EXIT_MEMORY_FAULT
 * (flags PRIVATE for a private access); undefined: a binding the model does not hold.
 */
function guestTarget(c: Ctx): Target | undefined {
  if (c.route === 'other') return undefined;
  const viaGmem = c.attr === 'private' || c.gmemOnly;
  if (c.route === 'dead' && viaGmem)
    return c.attr === 'private' ? 'MEMORY_FAULT(PRIVATE)' : 'MEMORY_FAULT(SHARED)';
  if (c.attr === 'private') return c.route === 'gmem' ? 'gm' : 'MEMORY_FAULT(PRIVATE)';
  if (c.route === 'gmem' && c.gmemOnly) return 'gm';
  return c.route === 'none' ? 'KVM_EXIT_MMIO' : 'backing';
}

const shown = (v: string): string => (v === NONE ? ZERO : v);
/** Node a new folio lands on: the bound or interleave node; DEFAULT allocates on node 0. */
const nodeOf = (policy: string): number => Number(policy.split(':')[1] ?? 0);
/** The folio's node after a use: allocation (no folio yet) follows the policy. */
const allocated = (c: Ctx): number => (c.gm === NONE ? nodeOf(c.policy) : c.node);
export const POLICIES = ['DEFAULT:0', 'INTERLEAVE:0', 'BIND:0', 'BIND:1'];
const priorOk = ({ event }: { event: { prior?: string } }): boolean => event.prior === 'ok';

/** Transitions that report the value at `field` (absent folio reads as zero and is allocated). */
function readOf(values: readonly string[], pick: (c: Ctx) => string | undefined, field: 'gm' | 'backing') {
  return [ZERO, ...values].map((v) => ({
    guard: ({ context }: { context: Ctx }) => {
      const cur = pick(context);
      return cur !== undefined && shown(cur) === v;
    },
    actions: [{ type: 'store' as const, params: { field, value: v } }, outcome(v)],
  }));
}

/** The page machine; `values` are the data tags a model writes (its contents domain). */
export function gmemContentsMachine(values: readonly string[]): AnyStateMachine {
  const gmIf = (ok: (c: Ctx) => boolean) => (c: Ctx) => (ok(c) ? c.gm : undefined);
  const hostVisible = (c: Ctx): boolean => c.attr === 'shared';
  return setup({
    types: {
      context: {} as Ctx,
      events: {} as GmemContentsEvent,
      input: {} as { attr: 'shared' | 'private' },
    },
    actions: {
      ...outcomeActions,
      /** A read allocates a zeroed folio where none was (the value stays what was read). */
      store: assign(({ context }, params: { field: 'gm' | 'backing'; value: string }) => ({
        ...(params.field === 'gm' ? { node: allocated(context) } : {}),
        [params.field]: params.value,
      })),
    },
  }).createMachine({
    id: 'gmemContents',
    context: ({ input }) => ({
      gm: NONE,
      backing: ZERO,
      attr: input.attr,
      route: 'none',
      routeSlot: 0,
      // No inode yet: a create sets it before any binding can route here (true is the
      // design alphabet's only value, so the initial state adds no local states).
      mmapInode: true,
      gmemOnly: false,
      pins: 0,
      policy: 'DEFAULT:0',
      node: 0,
    }),
    on: {
      hostRead: [
        { guard: ({ event }) => event.prior !== 'ok' },
        { guard: ({ context }) => !hostVisible(context), actions: outcome('SIGBUS') },
        ...readOf(values, gmIf(hostVisible), 'gm'),
      ],
      hostWrite: [
        { guard: ({ event }) => event.prior !== 'ok' },
        { guard: ({ context }) => !hostVisible(context), actions: outcome('SIGBUS') },
        { actions: assign(({ context, event }) => ({ gm: event.value, node: allocated(context) })) },
      ],
      backingRead: readOf(values, (c) => c.backing, 'backing'),
      backingWrite: { actions: assign({ backing: ({ event }) => event.value }) },
      punch: [{ guard: priorOk, actions: assign({ gm: NONE }) }, {}],
      /** A new inode at this fd: no folios; INPLACE sets the initial shareability (§3.2 rule 1). */
      reset: [
        {
          guard: priorOk,
          actions: assign(({ context, event }) => ({
            gm: NONE,
            policy: 'DEFAULT:0',
            node: 0,
            mmapInode: event.mmap,
            attr: event.attr === 'keep' ? context.attr : event.attr,
          })),
        },
        {},
      ],
      setAttr: [{ guard: priorOk, actions: assign({ attr: ({ event }) => event.to }) }, {}],
      /** INPLACE to-private: zap all user PTEs, refuse with EAGAIN while a pin remains (§3.2 rule 4). */
      convert: [
        { guard: ({ event }) => event.prior !== 'ok' },
        {
          guard: ({ context, event }) => event.to === 'private' && context.pins > 0,
          actions: outcome('EAGAIN'),
        },
        { guard: ({ event }) => event.to === 'private', actions: assign({ attr: 'private' }) },
        { actions: assign({ attr: 'shared' }) },
      ],
      /** A memslot covering this GFN was installed (kvm_set_memslot CREATE/MOVE). */
      route: [
        {
          guard: priorOk,
          actions: assign(({ context, event }) => ({
            route: event.to,
            routeSlot: event.slot,
            gmemOnly: event.to === 'gmem' && context.mmapInode,
          })),
        },
        {},
      ],
      /** The memslot that covered this GFN was deleted or moved away. */
      unroute: [
        {
          guard: ({ context, event }) => event.prior === 'ok' && context.routeSlot === event.slot,
          actions: assign({ route: 'none' as Route, routeSlot: 0, gmemOnly: false }),
        },
        {},
      ],
      /** kvm_gmem_release() of fd 0's file: its slots go bound-but-dead; the inode's folios are freed. */
      released: [
        {
          guard: ({ event }) => event.prior === 'released',
          actions: assign(({ context }) => ({
            route: context.route === 'gmem' ? 'dead' : context.route,
            gm: NONE,
            pins: 0,
            policy: 'DEFAULT:0',
            node: 0,
          })),
        },
        {},
      ],
      guestRead: [
        ...(['MEMORY_FAULT(PRIVATE)', 'MEMORY_FAULT(SHARED)', 'KVM_EXIT_MMIO'] as const).map((exit) => ({
          guard: ({ context }: { context: Ctx }) => guestTarget(context) === exit,
          actions: outcome(exit),
        })),
        ...readOf(values, (c) => (guestTarget(c) === 'gm' ? c.gm : undefined), 'gm'),
        ...readOf(values, (c) => (guestTarget(c) === 'backing' ? c.backing : undefined), 'backing'),
      ],
      guestWrite: [
        ...(['MEMORY_FAULT(PRIVATE)', 'MEMORY_FAULT(SHARED)', 'KVM_EXIT_MMIO'] as const).map((exit) => ({
          guard: ({ context }: { context: Ctx }) => guestTarget(context) === exit,
          actions: outcome(exit),
        })),
        {
          guard: ({ context }) => guestTarget(context) === 'gm',
          actions: assign(({ context, event }) => ({ gm: event.value, node: allocated(context) })),
        },
        {
          guard: ({ context }) => guestTarget(context) === 'backing',
          actions: assign({ backing: ({ event }) => event.value }),
        },
      ],
      pin: [
        { guard: ({ event }) => event.prior !== 'ok' },
        { guard: ({ context }) => context.attr !== 'shared', actions: outcome('EFAULT') },
        {
          guard: ({ context }) => context.pins < MAX_PINS,
          actions: assign(({ context }) => ({
            pins: context.pins + 1,
            gm: shown(context.gm),
            node: allocated(context),
          })),
        },
      ],
      mbind: [{ guard: priorOk, actions: assign({ policy: ({ event }) => event.policy }) }, {}],
      policyRead: POLICIES.map((p) => ({
        guard: ({ context }: { context: Ctx }) => context.policy === p,
        actions: outcome(p),
      })),
      /** move_pages() status query: the folio's node, -ENOENT when no folio is allocated. */
      nodeRead: [
        { guard: ({ context }) => context.gm === NONE, actions: outcome('ENOENT') },
        { guard: ({ context }) => context.node === 0, actions: outcome('0') },
        { actions: outcome('1') },
      ],
      unpin: {
        guard: ({ context }) => context.pins > 0,
        actions: assign(({ context }) => ({ pins: context.pins - 1 })),
      },
    },
  });
}
