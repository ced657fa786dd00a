// QEMU's kvm_convert_memory() for one gfn with a separate shared backing, as the world
// events of models/qemu-vfio-conversion.ts: per variant, the phases of each direction and
// the machines each step moves. Sources: see that model's header.
import { participant, worldEvent, type Participant, type WorldEventSpec } from '../../src/index.js';
import { actorStep } from './actor.js';
import type { Shortcut } from './routedActor.js';
import type { Kind } from './kvmMmu.js';

export type QemuVariant = 'rdm-notify' | 'populate-no-undo' | 'uncoordinated-discard' | 'discard-disabled';

/** Instance ids of the machines of models/qemu-vfio-conversion.ts. */
export const qemuIds = {
  attr: 'kvmAttr',
  backing: 'sharedBacking',
  vfio: 'vfioMapping',
  rdm: 'rdmBit',
  guest: 'guestView',
  gmem: 'gmemPage0',
  qemu: 'qemu',
} as const;

const { attr: ATTR, backing: BACKING, vfio: VFIO, rdm: RDM, guest: GUEST, gmem: GMEM, qemu: QEMU } = qemuIds;

/** True for the variants with RamBlockAttributes and its RamDiscardListener notifications (D9). */
export const notifies = (v: QemuVariant): boolean => v === 'rdm-notify' || v === 'populate-no-undo';

/** QEMU's phases per direction, named after what the step has done, and its shortcut. */
export function qemuRoutes(v: QemuVariant): {
  routes: Record<string, readonly string[]>;
  shortcuts: readonly Shortcut[];
} {
  if (!notifies(v)) {
    return {
      routes: { toPrivate: ['attrPrivate', 'sharedDiscarded'], toShared: ['attrShared', 'gmemPunched'] },
      shortcuts: [],
    };
  }
  return {
    routes: {
      toPrivate: ['attrPrivate', 'bitsCleared', 'sharedDiscarded'],
      toShared: ['attrShared', 'bitsSet', 'populated', 'gmemPunched'],
    },
    // ram_block_attributes_state_change() finds the block already populated: no notify.
    shortcuts: [{ from: 'attrShared', phase: 'alreadyPopulated', to: 'populated' }],
  };
}

const step = (phase: string, prior = false): Participant => actorStep(QEMU, phase, 0, { prior });

const SET_ATTR =
  'kvm_convert_memory() → kvm_set_memory_attributes_private/shared() (KVM_SET_MEMORY_ATTRIBUTES)';

/** KVM_SET_MEMORY_ATTRIBUTES: the guest's request starts the conversion (TDX MapGPA). */
function setAttributes(to: Kind): WorldEventSpec {
  return worldEvent(
    QEMU,
    'setAttributes',
    { to },
    [
      step(to === 'private' ? 'attrPrivate' : 'attrShared'),
      participant(GUEST, { type: 'request', to }),
      participant(ATTR, { type: 'set', to }),
    ],
    { kernel: SET_ATTR },
  );
}

/** The D9 state change of a to-private conversion: clear the bit and notify_discard VFIO. */
function discardStateChange(): WorldEventSpec {
  return worldEvent(
    QEMU,
    'stateChange',
    { to: 'private' },
    [
      step('bitsCleared'),
      participant(RDM, { type: 'discard' }),
      participant(VFIO, { type: 'unmap' }),
      participant(BACKING, { type: 'unpin' }),
    ],
    {
      kernel:
        'ram_block_attributes_state_change(to_discard): bitmap_clear(), notify_discard → vfio_ram_discard_notify_discard() → VFIO_IOMMU_UNMAP_DMA (unpins)',
    },
  );
}

/**
 * The D9 state change of a to-shared conversion: bitmap_set(), then notify_populate to the
 * VFIO listener, which may fail. With `undo` (the v3 "undo support if state_change()
 * failed") a failure clears the bit again; without it the bit stays populated.
 */
function populateStateChange(undo: boolean): WorldEventSpec[] {
  return [
    worldEvent(
      QEMU,
      'bitmapSet',
      { to: 'shared' },
      [step('bitsSet'), participant(RDM, { type: 'populate' })],
      { kernel: 'ram_block_attributes_state_change(populate): bitmap_set() before notifying the listeners' },
    ),
    worldEvent(
      QEMU,
      'notifyPopulate',
      { to: 'shared', listeners: 1 },
      [
        { machine: VFIO, event: { type: 'map' }, choice: true },
        { machine: BACKING, event: { type: 'pin' }, prior: true },
        ...(undo ? [{ machine: RDM, event: { type: 'undo' }, prior: true } as const] : []),
        { machine: GUEST, event: { type: 'fail' }, prior: true },
        step('populated', true),
      ],
      {
        kernel: `ram_block_attributes_notify_populate() → vfio_ram_discard_notify_populate() → VFIO_IOMMU_MAP_DMA (pin_user_pages_remote(FOLL_LONGTERM)); an error fails kvm_convert_memory()${undo ? ' after bitmap_clear() of the bits it set (undo)' : ''}`,
        choices: ['ok', 'ENOMEM'],
      },
    ),
    worldEvent(
      QEMU,
      'notifyPopulate',
      { to: 'shared', listeners: 0 },
      [step('populated'), { machine: VFIO, requires: 'detached' }],
      { kernel: 'ram_block_attributes_notify_populate(): no RamDiscardListener registered' },
    ),
    worldEvent(
      QEMU,
      'stateUnchanged',
      { to: 'shared' },
      [step('alreadyPopulated'), { machine: RDM, requires: 'populated' }],
      {
        kernel:
          'ram_block_attributes_state_change(populate): the block is already populated, nothing to notify',
      },
    ),
  ];
}

/** ram_block_discard_range() of the shared backing; a no-op while discard is disabled. */
function discardShared(blocked: boolean): WorldEventSpec {
  return worldEvent(
    QEMU,
    'discardShared',
    { to: 'private' },
    [
      step('sharedDiscarded'),
      participant(GUEST, { type: 'done' }),
      ...(blocked ? [] : [participant(BACKING, { type: 'discard' })]),
    ],
    {
      kernel: blocked
        ? 'ram_block_discard_range() refused: VFIO disabled RAM discard (ram_block_discard_disable)'
        : 'ram_block_discard_range(): madvise(MADV_DONTNEED) / fallocate(PUNCH_HOLE) of the shared backing',
    },
  );
}

/** ram_block_discard_guest_memfd_range(): punch the private page; a no-op while discard is disabled. */
function punchGmem(blocked: boolean): WorldEventSpec {
  return worldEvent(
    QEMU,
    'punchGmem',
    { to: 'shared' },
    [
      step('gmemPunched'),
      participant(GUEST, { type: 'done' }),
      ...(blocked ? [] : [participant(GMEM, { type: 'truncate', really: true })]),
    ],
    {
      kernel: blocked
        ? 'ram_block_discard_guest_memfd_range() refused: RAM discard disabled'
        : 'ram_block_discard_guest_memfd_range() → fallocate(PUNCH_HOLE) on guest_memfd',
    },
  );
}

/** QEMU's world events for `variant`, both directions, in exploration order. */
export function qemuEvents(v: QemuVariant): WorldEventSpec[] {
  const blocked = v === 'discard-disabled';
  return [
    setAttributes('private'),
    ...(notifies(v) ? [discardStateChange()] : []),
    discardShared(blocked),
    setAttributes('shared'),
    ...(notifies(v) ? populateStateChange(v === 'rdm-notify') : []),
    punchGmem(blocked),
  ];
}

/**
 * VFIO attaching its container: before D9 it maps (and pins) the whole RAM section whatever
 * the attribute; with D9 the RamDiscardListener's registration replays only populated
 * blocks. QEMU registers the listener under the BQL, between conversions.
 */
export function attachEvents(v: QemuVariant): WorldEventSpec[] {
  if (!notifies(v)) {
    return [
      worldEvent(
        'vfio',
        'attach',
        {},
        [participant(VFIO, { type: 'attach' }), participant(BACKING, { type: 'pin' })],
        {
          kernel: 'vfio_listener_region_add() → VFIO_IOMMU_MAP_DMA of the whole RAM section (pins its pages)',
        },
      ),
    ];
  }
  const kernel =
    'ram_block_attributes_rdm_register_listener() → replay populated blocks → VFIO_IOMMU_MAP_DMA';
  const idle = { machine: QEMU, requires: 'idle' } as const;
  return [
    worldEvent(
      'vfio',
      'attach',
      { populated: 1 },
      [
        idle,
        { machine: RDM, requires: 'populated' },
        participant(VFIO, { type: 'attach' }),
        participant(BACKING, { type: 'pin' }),
      ],
      { kernel },
    ),
    worldEvent(
      'vfio',
      'attach',
      { populated: 0 },
      [idle, { machine: RDM, requires: 'discarded' }, participant(VFIO, { type: 'attachEmpty' })],
      { kernel },
    ),
  ];
}
