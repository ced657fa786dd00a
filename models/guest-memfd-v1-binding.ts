// guest-memfd-v1-binding: the lifetime of guest_memfd bindings in mainline guest_memfd v1:
// file release vs kvm_gmem_get_pfn() vs memslot reuse, and the bind guard
// (docs/designs-and-flaws.md D4, F29, F31; docs/kernel-semantics.md §1.3, §2.7, §2.8, §2.10).
//
// Sources:
// - virt/kvm/guest_memfd.c (torvalds/linux 01f492e1) kvm_gmem_release(): under slots_lock
//   and the invalidate lock, slot->gmem.file = NULL for every binding, zap, xa_destroy of
//   the bindings; the long source comment relies on SRCU sync in memslot updates (a racing
//   get_pfn could otherwise see an old memslot with a new file); kvm_gmem_get_file() =
//   get_file_active(&slot->gmem.file): NULL → -EFAULT; __kvm_gmem_unbind(): "synchronize_srcu
//   (&kvm->srcu) ensured that kvm_gmem_get_pfn() cannot see this memslot".
// - virt/kvm/kvm_main.c: a vCPU fault runs inside srcu_read_lock(&kvm->srcu); deleting a
//   memslot publishes the new memslots and synchronize_srcu()s before freeing the old one.
// - af62fe2494da "KVM: Harden and prepare for modifying existing guest_memfd memslots"
//   (mainline, Dec 2025) hardens the same use-after-free class (F29).
// - kvm_gmem_bind(): offset page-aligned and offset + size ≤ i_size, else -EINVAL; a range
//   overlapping a binding of the same file → -EINVAL (ML-A) / -EEXIST (ML-B); merge
//   06ba195f136a "KVM guest_memfd changes for 7.2": offsets and sizes are treated as
//   unsigned (F31), and a double binding returns -EEXIST.
//
// World: file A (i_size 2 pages) is bound to memslot 0 at offset 0 for one page; file
// objects come from a slab, so a new file B can be allocated at A's address; memslot 0's
// memory can be reused by a new memslot. Actors: a vCPU (SRCU read section: look up the
// memslot, get the file, finish), the closer (last fput of A → release; create file B), the
// memslot updater (delete memslot 0; create a memslot at the same address bound to B) and a
// binder (bind memslot 1 to A for one page at offset 0 — memslot 0's page, 4 KiB, 8 KiB —
// i_size, or 2^63 - 4 KiB).
// A vCPU that reads a freed memslot sees its stale contents (file NULL) and fails with
// -EFAULT: that read is itself a use-after-free, but the catalogue's property is that
// get_pfn uses exactly the file bound to the memslot it looked up.
//
// Variants differ by one design rule each:
// - fixed: the memslot update synchronize_srcu()s before freeing (deleteMemslot requires no
//   SRCU reader inside get_pfn); the bind range check is unsigned.
// - no-srcu-sync (F29): the same events without the SRCU wait — a race of three actors.
// - signed-bind-offset (F31): offset + size read as a signed 64-bit value, so a wrapping sum
//   passes the i_size check — honestly a single bad call (one bind step).
// Bound: exhaustive (finite). F29: 6 steps (catalogue: 7, slot creation and bind are one
// step here); F31: 1 step (catalogue: 2). The binder needs A open (fget of its fd).
import { assign, setup } from 'xstate';
import {
  defineModel,
  worldEvent,
  participant,
  always,
  alwaysEach,
  sometimesStep,
  outcome,
  outcomeActions,
  type WorldEventSpec,
} from '../src/index.js';

/** The slab object at file A's address: file A, free, or a new file B allocated there. */
const fileSlotMachine = setup({
  types: { events: {} as { type: 'release' } | { type: 'createB' } | { type: 'is'; file: 'A' | 'B' } },
}).createMachine({
  id: 'fileSlot',
  initial: 'A',
  states: {
    A: { on: { release: 'free', is: { guard: ({ event }) => event.file === 'A' } } },
    free: { on: { createB: 'B' } },
    B: { on: { is: { guard: ({ event }) => event.file === 'B' } } },
  },
});

type SlotEvent =
  | { type: 'release' }
  | { type: 'delete' }
  | { type: 'createBoundB' }
  | { type: 'lookup'; gen: number }
  | { type: 'read'; file: 'A' | 'B' | 'none' }
  /** kvm_gmem_bind() of A at `offset`: A's bindings xarray still holds memslot 0's page while it is bound. */
  | { type: 'bindProbe'; offset: string };

/** A binding of A at `offset` for SLOT_SIZE bytes covers memslot 0's page [0, 4096). */
const coversFirstPage = (offset: string): boolean => BigInt(offset) < 4096n;

/** The memory of memslot 0: bound to A (gen 0), dead (file NULL), freed, or reused as gen 1 bound to B. */
const memslotMachine = setup({
  types: { events: {} as SlotEvent },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'memslot',
  initial: 'boundA',
  on: { bindProbe: {} },
  states: {
    boundA: {
      on: {
        release: 'dead',
        delete: 'freed',
        lookup: { guard: ({ event }) => event.gen === 0 },
        read: { guard: ({ event }) => event.file === 'A' },
        bindProbe: [{ guard: ({ event }) => coversFirstPage(event.offset), actions: outcome('EEXIST') }, {}],
      },
    },
    dead: {
      on: {
        delete: 'freed',
        lookup: { guard: ({ event }) => event.gen === 0 },
        read: { guard: ({ event }) => event.file === 'none' },
      },
    },
    freed: { on: { createBoundB: 'boundB', read: { guard: ({ event }) => event.file === 'none' } } },
    boundB: {
      on: {
        lookup: { guard: ({ event }) => event.gen === 1 },
        read: { guard: ({ event }) => event.file === 'B' },
      },
    },
  },
});

type VcpuEvent =
  | { type: 'lookup'; gen: number }
  | { type: 'getFile'; file: 'A' | 'B' | 'none' }
  | { type: 'finish' }
  | { type: 'quiescent' }
  | { type: 'notHolding'; file: 'A' };

/** kvm_gmem_get_pfn() inside the vCPU's SRCU read section; `got` is the file it holds a reference to. */
const vcpuMachine = setup({
  types: { context: {} as { gen: number; got: 'A' | 'B' | 'none' }, events: {} as VcpuEvent },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'gmemVcpu',
  context: { gen: 0, got: 'none' },
  initial: 'idle',
  states: {
    idle: {
      on: {
        lookup: { target: 'lookedUp', actions: assign(({ event }) => ({ gen: event.gen })) },
        quiescent: {},
        notHolding: {},
      },
    },
    lookedUp: {
      on: {
        getFile: [
          {
            guard: ({ event }) => event.file === 'none',
            target: 'idle',
            actions: [assign({ gen: 0 }), outcome('EFAULT')],
          },
          { target: 'holding', actions: assign(({ event }) => ({ got: event.file })) },
        ],
        notHolding: {},
      },
    },
    holding: {
      on: {
        finish: { target: 'idle', actions: assign({ gen: 0, got: 'none' as const }) },
        notHolding: { guard: ({ context }) => context.got !== 'A' },
      },
    },
  },
});

const I_SIZE = 8192n;
/** Memslot 1's size; memslot 0 binds A's first page, [0, 4096). */
const SLOT_SIZE = 4096;
const OFFSETS = ['0', '4096', '8192', '9223372036854771712'];

/** kvm_gmem_bind()'s range check; `signed` computes offset + size as a signed 64-bit value (F31). */
function bindAccepts(offset: string, size: number, signed: boolean): boolean {
  const end = BigInt(offset) + BigInt(size);
  return (signed ? BigInt.asIntN(64, end) : end) <= I_SIZE;
}

/** Memslot 1 binding file A: unbound, or bound at `offset` with its range inside [0, i_size) or not. */
const bindingMachine = setup({
  types: {
    context: {} as { inside: boolean; offset: string },
    events: {} as { type: 'bind'; offset: string; size: number; signed: boolean; prior: string },
  },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'binding',
  context: { inside: true, offset: '0' },
  initial: 'unbound',
  states: {
    unbound: {
      on: {
        bind: [
          { guard: ({ event }) => event.prior !== 'ok' },
          {
            guard: ({ event }) => bindAccepts(event.offset, event.size, event.signed),
            target: 'bound',
            actions: assign(({ event }) => ({
              inside: BigInt(event.offset) + BigInt(event.size) <= I_SIZE,
              offset: event.offset,
            })),
          },
          { actions: outcome('EINVAL') },
        ],
      },
    },
    bound: {},
  },
});

type Variant = 'fixed' | 'no-srcu-sync' | 'signed-bind-offset';

const expectFixed = {
  'get-pfn-file-matches-slot': 'holds',
  'binding-within-file': 'holds',
  'bindings-disjoint': 'holds',
  'get-pfn-gets-file': 'reached',
  'memslot-reused': 'reached',
  'bind-refused': 'reached',
  'double-bind-refused': 'reached',
} as const;

export default defineModel<never, Variant>({
  id: 'guest-memfd-v1-binding',
  title: 'guest_memfd v1: file release vs get_pfn vs memslot reuse, and the bind guard (D4, F29, F31)',
  summary:
    "File A is bound to memslot 0. A vCPU looks up the memslot and gets its file inside an SRCU read section, while the closer releases A (slot->gmem.file = NULL) and allocates file B at the same address, and the updater deletes memslot 0 and creates a memslot bound to B at the same address. A binder binds memslot 1 to A at a chosen offset. The fixed variant waits for SRCU readers before freeing a memslot and checks the bind range unsigned; no-srcu-sync (F29) lets get_pfn pair the old memslot with file B; signed-bind-offset (F31) accepts a binding beyond i_size. A range overlapping memslot 0's binding is refused with EEXIST in every variant. Explored exhaustively.",
  sources: [
    'docs/designs-and-flaws.md D4, F29, F31',
    'docs/kernel-semantics.md §1.3, §2.7, §2.8, §2.10',
    'virt/kvm/guest_memfd.c kvm_gmem_release, kvm_gmem_get_file, kvm_gmem_bind, __kvm_gmem_unbind (torvalds/linux 01f492e1)',
    'af62fe2494da KVM: Harden and prepare for modifying existing guest_memfd memslots',
    'merge 06ba195f136a KVM guest_memfd changes for 7.2 (unsigned binding offsets; -EEXIST for double binding)',
  ],
  unconfirmed: [
    'F31: the exact arithmetic of the old check; modelled as offset + size read as a signed 64-bit value, per the catalogue',
  ],
  params: {},
  variants: {
    fixed: {
      doc: 'memslot deletion synchronize_srcu()s before freeing; unsigned bind check',
      flaws: [],
      expect: expectFixed,
    },
    'no-srcu-sync': {
      doc: 'the memslot update frees the old memslot without waiting for SRCU readers',
      flaws: ['F29'],
      fixedBy: 'fixed',
      expect: { ...expectFixed, 'get-pfn-file-matches-slot': 'violated' },
    },
    'signed-bind-offset': {
      doc: 'kvm_gmem_bind() computes offset + size as signed, so a wrapping sum passes the i_size check (before 7.2)',
      flaws: ['F31'],
      fixedBy: 'fixed',
      expect: { ...expectFixed, 'binding-within-file': 'violated' },
    },
  },
  properties: [
    always(
      'get-pfn-file-matches-slot',
      'kvm_gmem_get_pfn uses exactly the file bound to the memslot it looked up (P-NoUAF)',
      (w) => {
        const c = w.get('vcpu').context as { gen: number; got: string };
        return c.got === 'none' || c.got === (c.gen === 0 ? 'A' : 'B');
      },
      // The situation: get_pfn holds a file it got through a memslot.
      { premise: (w) => (w.get('vcpu').context as { got: string }).got !== 'none' },
    ),
    alwaysEach(
      'binding-within-file',
      'every binding lies inside [0, i_size) of its file (INV-8)',
      'binding',
      (s) => (s.context as { inside: boolean }).inside,
      { premise: (s) => s.matches('bound') },
    ),
    always(
      'bindings-disjoint',
      "memslot 1's binding of A never covers memslot 0's page while memslot 0 is bound to A (INV-8)",
      (w) =>
        !(
          w.get('memslot0').matches('boundA') &&
          w.get('binding1').matches('bound') &&
          coversFirstPage((w.get('binding1').context as { offset: string }).offset)
        ),
      { premise: (w) => w.get('memslot0').matches('boundA') && w.get('binding1').matches('bound') },
    ),
    sometimesStep(
      'get-pfn-gets-file',
      'get_pfn obtains the bound file',
      (s) => s.type === 'getFile' && s.outcome === 'ok',
    ),
    sometimesStep(
      'memslot-reused',
      'a memslot bound to file B reuses the old memslot',
      (s) => s.type === 'createMemslot',
    ),
    sometimesStep(
      'bind-refused',
      'an out-of-range binding is refused',
      (s) => s.type === 'bind' && s.outcome === 'EINVAL',
    ),
    sometimesStep(
      'double-bind-refused',
      "a binding overlapping memslot 0's is refused with EEXIST (ML-B)",
      (s) => s.type === 'bind' && s.outcome === 'EEXIST',
    ),
  ],
  build(_params, variant) {
    const events: WorldEventSpec[] = [];
    for (const gen of [0, 1]) {
      events.push(
        worldEvent(
          'vcpu',
          'lookup',
          { gen },
          [participant('memslot0', { type: 'lookup', gen }), participant('vcpu', { type: 'lookup', gen })],
          { kernel: 'srcu_read_lock(&kvm->srcu); kvm_vcpu_gfn_to_memslot()' },
        ),
      );
    }
    for (const file of ['A', 'B', 'none'] as const) {
      events.push(
        worldEvent(
          'vcpu',
          'getFile',
          { file },
          [
            participant('memslot0', { type: 'read', file }),
            ...(file === 'none' ? [] : [participant('fileSlot', { type: 'is', file })]),
            participant('vcpu', { type: 'getFile', file }),
          ],
          {
            kernel:
              'kvm_gmem_get_pfn(): kvm_gmem_get_file() = get_file_active(&slot->gmem.file) (NULL → -EFAULT)',
          },
        ),
      );
    }
    events.push(
      worldEvent('vcpu', 'finish', {}, [participant('vcpu', { type: 'finish' })], {
        kernel: 'fput(); srcu_read_unlock(&kvm->srcu)',
      }),
    );
    events.push(
      worldEvent(
        'closer',
        'release',
        { file: 'A' },
        [
          participant('vcpu', { type: 'notHolding', file: 'A' }),
          participant('fileSlot', { type: 'release' }),
          participant('memslot0', { type: 'release' }),
        ],
        {
          kernel:
            'last fput(A) → kvm_gmem_release(): slot->gmem.file = NULL under slots_lock, xa_destroy(bindings)',
        },
      ),
    );
    events.push(
      worldEvent('closer', 'createFile', { file: 'B' }, [participant('fileSlot', { type: 'createB' })], {
        kernel: "KVM_CREATE_GUEST_MEMFD: alloc_file_pseudo() takes the freed file object at A's address",
      }),
    );
    events.push(
      worldEvent(
        'updater',
        'deleteMemslot',
        { slot: 0 },
        [
          // The design rule F29 names: synchronize_srcu() waits for every SRCU reader.
          ...(variant === 'no-srcu-sync' ? [] : [participant('vcpu', { type: 'quiescent' })]),
          participant('memslot0', { type: 'delete' }),
        ],
        {
          kernel:
            variant === 'no-srcu-sync'
              ? 'kvm_set_memslot(KVM_MR_DELETE): swap memslots, free the old one (no synchronize_srcu)'
              : 'kvm_set_memslot(KVM_MR_DELETE): kvm_swap_active_memslots() → synchronize_srcu(&kvm->srcu), then free the old memslot',
        },
      ),
    );
    events.push(
      worldEvent(
        'updater',
        'createMemslot',
        { file: 'B' },
        [
          participant('fileSlot', { type: 'is', file: 'B' }),
          participant('memslot0', { type: 'createBoundB' }),
        ],
        { kernel: "KVM_SET_USER_MEMORY_REGION2: a new memslot at the freed one's address, kvm_gmem_bind(B)" },
      ),
    );
    for (const offset of OFFSETS) {
      events.push(
        worldEvent(
          'binder',
          'bind',
          { slot: 1, offset },
          [
            participant('fileSlot', { type: 'is', file: 'A' }),
            participant('memslot0', { type: 'bindProbe', offset }),
            {
              machine: 'binding1',
              event: {
                type: 'bind',
                offset,
                size: SLOT_SIZE,
                // The design rule F31 names: the range check's arithmetic.
                signed: variant === 'signed-bind-offset',
              },
              prior: true,
            },
          ],
          {
            kernel:
              variant === 'signed-bind-offset'
                ? 'kvm_gmem_bind(): offset + size > i_size in signed loff_t (before 7.2); bound range → -EEXIST'
                : 'kvm_gmem_bind(): offset + size > i_size (unsigned) → -EINVAL; bound range → -EEXIST',
          },
        ),
      );
    }
    return {
      machines: [
        { id: 'fileSlot', machine: fileSlotMachine },
        { id: 'memslot0', machine: memslotMachine },
        { id: 'vcpu', machine: vcpuMachine },
        { id: 'binding1', machine: bindingMachine },
      ],
      events,
    };
  },
});
