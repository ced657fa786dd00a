// Properties shared by the guest_memfd conformance models.
import { alwaysEach, sometimesStep, type Property, type StepView } from '../../src/index.js';

const isValue = (outcome: string): boolean =>
  !/^(E[A-Z0-9]+|SIG[A-Z]+|MEMORY_FAULT.*|KVM_EXIT.*|#.*)$/.test(outcome);
const hostGmemRead = (s: StepView): boolean =>
  s.actor === 'host' && s.type === 'read' && 'page' in s.args && !('backing' in s.args) && isValue(s.outcome);

export const initSharedOnlyWhereSupported = (): Property =>
  alwaysEach(
    'init-shared-only-where-supported',
    'no guest_memfd is INIT_SHARED on a VM whose KVM_CAP_GUEST_MEMFD_FLAGS lacks it (§3.1 rule 3)',
    'gmemFile',
    (s) => {
      const c = s.context as { shared: boolean; initSharedOk: boolean };
      return !c.shared || c.initSharedOk;
    },
  );

export const hostReadsGmem = (): Property =>
  sometimesStep('host-reads-gmem', 'a host load through a guest_memfd mapping returns data', hostGmemRead);

export const memoryFaultExit = (): Property =>
  sometimesStep(
    'memory-fault-exit',
    'a guest access exits to userspace with KVM_EXIT_MEMORY_FAULT (private access without a gmem backing)',
    (s) => s.actor === 'guest' && s.outcome.startsWith('MEMORY_FAULT'),
  );

export const conversionRefusedWhilePinned = (): Property =>
  sometimesStep(
    'conversion-refused-while-pinned',
    'a to-private conversion fails with EAGAIN because a page of the range is pinned (§3.2 rule 4)',
    (s) => s.type === 'set_attributes' && s.outcome === 'EAGAIN',
  );
