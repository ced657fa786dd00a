// Direct-map and kernel-reach properties (docs/designs-and-flaws.md P-DmapAbsentNoAccess, F19,
// F20, F22; docs/kernel-semantics.md INV-16). Machines report a kernel access through an
// absent direct-map entry as outcome '#PF' (models/machines/directMap.ts); gupFolio machines
// are folios reached by GUP-fast; interrupt code runs as actor 'irq' and user mode as actor
// 'user' (models/machines/kvmCpu.ts). Each invariant names its premise: the access it is
// about happens.
import { alwaysEach, never, type Property, type StepTest, type StepView } from '../src/index.js';

/**
 * P-DmapAbsentNoAccess: no kernel access while the page's direct-map entry is absent.
 * `premise`: the kernel reader the model is about reads a page.
 */
export const noAccessWithoutDirectMap = (premise: StepTest): Property =>
  never(
    'no-access-without-direct-map',
    'the kernel accesses a page only while its direct-map entry is present (P-DmapAbsentNoAccess; a miss is a host oops)',
    (s) => s.outcome === '#PF',
    { premise },
  );

interface GupFolioView {
  readonly ref: string;
  readonly dmap: string;
}
const gupFolio = (s: { context: unknown }): GupFolioView => s.context as GupFolioView;

/**
 * INV-16: GUP fails for folios removed from the direct map. Premise: GUP-fast holds a
 * speculative reference to such a folio (the check it must make is due).
 */
export const gupRefusesNoDirectMap = (kind = 'gupFolio'): Property =>
  alwaysEach(
    'gup-refuses-no-direct-map',
    'no GUP pin is held on a folio removed from the direct map (INV-16: GUP must fail for NO_DIRECT_MAP / secretmem folios)',
    kind,
    (s) => !(gupFolio(s).ref === 'pinned' && gupFolio(s).dmap === 'absent'),
    { premise: (s) => gupFolio(s).ref === 'grabbed' && gupFolio(s).dmap === 'absent' },
  );

/** An interrupt handler's access to guest memory: a stray load, or a uaccess given a guest-memory pointer. */
const irqTouchesGuestMemory = (s: StepView): boolean =>
  s.actor === 'irq' &&
  (s.type === 'irqRead' || (s.type === 'irqUaccess' && s.args['choice'] === 'guest-pointer'));

/** F22: while guest memory is reachable, only KVM code reads it. */
export const onlyKvmReadsGuestMemory = (): Property =>
  never(
    'only-kvm-reads-guest-memory',
    'no interrupt or NMI handler reads guest memory, by a stray load or through a uaccess window (F22: "IRQs and NMIs will run kernel code with KVM\'s page tables")',
    (s) => irqTouchesGuestMemory(s) && s.outcome === 'ok',
    { premise: irqTouchesGuestMemory },
  );

/** Seed 001: with LASS, "userspace would be completely unable to access guest memory through KVM's magic mapping". */
export const userCannotReadKvmMapping = (): Property =>
  never(
    'user-cannot-read-kvm-mapping',
    "user mode never reads guest memory through KVM's kernel mapping of it (seed 001: the USER=1 idea relies on LASS for this)",
    (s) => s.actor === 'user' && s.type === 'userRead' && s.outcome === 'ok',
    { premise: (s) => s.actor === 'user' && s.type === 'userRead' },
  );
