// The steps of QEMU's kvm_convert_memory() per variant of models/qemu-vfio-conversion.ts:
// for each direction, the phases in order, each a list of alternative world events (a VFIO
// notify_populate either maps a pfn or fails). Sources: see that model's header.
import { participant, type Args, type Participant } from '../../src/index.js';
import type { Kind } from './kvmMmu.js';

export type QemuVariant =
  | 'rdm-notify'
  | 'uncoordinated-discard'
  | 'discard-disabled'
  | 'populate-no-undo'
  | 'inplace-attr-first'
  | 'inplace-unmap-first';

/** One alternative of a phase: the event type, extra args, the machines it moves. */
export interface StepAlternative {
  readonly type: string;
  readonly args: Args;
  readonly sync: readonly Participant[];
  /** The converter sees the outcome of `sync` and aborts the conversion on a refusal. */
  readonly prior: boolean;
}

export type Phase = readonly StepAlternative[];

const step = (type: string, sync: Participant[], args: Args = {}, prior = false): StepAlternative => ({
  type,
  args,
  sync,
  prior,
});

/** KVM_SET_MEMORY_ATTRIBUTES: only when the attribute changes. */
const setAttr = (to: Kind): Phase => [step('setAttr', [participant('attr', { type: 'flip', to })])];

/** notify_discard: the bit is cleared and VFIO unmaps (and unpins) the block. */
const notifyDiscard: Phase = [
  step('notifyDiscard', [
    participant('rdmBit', { type: 'discard' }),
    participant('iommu', { type: 'unmap' }),
  ]),
];

/** notify_populate: the bit is set and VFIO pins and maps the block, or the listener fails. */
const notifyPopulate = (undo: boolean): Phase => [
  ...[0, 1].map((pfn) =>
    step(
      'notifyPopulate',
      [
        participant('rdmBit', { type: 'populate' }),
        participant('backing', { type: 'pinAs', pfn }),
        participant('iommu', { type: 'map', pfn }),
      ],
      { pfn },
    ),
  ),
  step(
    'notifyPopulateFails',
    [participant('rdmBit', { type: 'populateFails', undo }), participant('vm', { type: 'stop' })],
    {},
    true,
  ),
];

/** ram_block_discard_range() of the shared backing; a no-op step when discard is blocked. */
const discardShared = (blocked: boolean): Phase => [
  step('discardShared', blocked ? [] : [participant('backing', { type: 'discard' })]),
];

/** ram_block_discard_guest_memfd_range(): punch the guest_memfd page; a no-op when blocked. */
const punchGmem = (blocked: boolean): Phase => [
  step('punchGmem', blocked ? [] : [participant('gmemPage0', { type: 'truncate', really: true })]),
];

/**
 * A conversion starts while the VM runs, and is modelled once VFIO is attached (every flaw
 * here needs it): a first phase that does not touch the IOMMU requires the container attached.
 */
function gateOnAttach(phases: Phase[]): Phase[] {
  const [first, ...rest] = phases;
  if (first === undefined) return phases;
  const running = participant('vm', { type: 'running' });
  const gated = first.map((alt) =>
    alt.sync.some((p) => p.machine === 'iommu')
      ? { ...alt, sync: [...alt.sync, running] }
      : { ...alt, sync: [...alt.sync, participant('iommu', { type: 'attached' }), running] },
  );
  return [gated, ...rest];
}

/** What QEMU has done once a phase succeeds, by the type of its first alternative. */
const DONE: Readonly<Record<string, string>> = {
  setAttr: 'attrSet',
  notifyDiscard: 'notified',
  notifyPopulate: 'notified',
  discardShared: 'discarded',
  punchGmem: 'discarded',
};

/**
 * Names of QEMU's phases, shared by both directions: what the phase has done, or
 * `<to private>-or-<to shared>` where the directions differ at that position.
 */
export function phaseNames(steps: Record<Kind, Phase[]>): string[] {
  const name = (phase: Phase | undefined): string => {
    const type = phase?.[0]?.type ?? '';
    return DONE[type] ?? type;
  };
  return steps.private.map((phase, k) => {
    const [toPrivate, toShared] = [name(phase), name(steps.shared[k])];
    return toPrivate === toShared ? toPrivate : `${toPrivate}-or-${toShared}`;
  });
}

/** Phases of each direction; both directions have the same number of phases. */
export function conversionSteps(variant: QemuVariant): Record<Kind, Phase[]> {
  const attrFirst: Record<QemuVariant, Record<Kind, Phase[]>> = {
    'rdm-notify': {
      private: [setAttr('private'), notifyDiscard, discardShared(false)],
      shared: [setAttr('shared'), notifyPopulate(true), punchGmem(false)],
    },
    'populate-no-undo': {
      private: [setAttr('private'), notifyDiscard, discardShared(false)],
      shared: [setAttr('shared'), notifyPopulate(false), punchGmem(false)],
    },
    'uncoordinated-discard': {
      private: [setAttr('private'), discardShared(false)],
      shared: [setAttr('shared'), punchGmem(false)],
    },
    'discard-disabled': {
      private: [setAttr('private'), discardShared(true)],
      shared: [setAttr('shared'), punchGmem(true)],
    },
    'inplace-attr-first': {
      private: [setAttr('private'), notifyDiscard],
      shared: [setAttr('shared'), notifyPopulate(true)],
    },
    'inplace-unmap-first': {
      private: [
        notifyDiscard.map((alt) => ({
          ...alt,
          sync: [participant('attr', { type: 'is', kind: 'shared' }), ...alt.sync],
        })),
        setAttr('private'),
      ],
      shared: [setAttr('shared'), notifyPopulate(true)],
    },
  };
  const phases = attrFirst[variant];
  return { private: gateOnAttach(phases.private), shared: gateOnAttach(phases.shared) };
}
