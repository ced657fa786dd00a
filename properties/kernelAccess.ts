// Host kernel access to memory the hardware or hypervisor gives to the guest
// (docs/designs-and-flaws.md P-NoKernAccPriv, D11; docs/kernel-semantics.md §5 INV-5).
// A model reports such an access as the outcome of the step that performs it: TDX turns a
// host write to private memory into a machine check, SEV-SNP into an RMP #PF, and pKVM or
// Gunyah into a stage-2 abort taken at EL2. Each of them crashes the host, whatever the
// kernel path was (a write, zeroing on truncate, a kmap through an earlier pin).
import { never, neverTransition, type Property, type TransitionTest } from '../src/index.js';

/** Outcome codes of a host-kernel access that the platform turns into a host crash. */
export const HOST_CRASH = {
  /** TDX: a host write to a private page poisons it; the consumer takes a #MC. */
  mce: '#MCE',
  /** SEV-SNP: a host write to a guest-assigned page faults on the RMP check. */
  rmp: '#RMP-PF',
  /** pKVM / Gunyah: a host access to a guest-owned page is a stage-2 abort at EL2. */
  s2Abort: '#S2-ABORT',
} as const;

const crashes: ReadonlySet<string> = new Set(Object.values(HOST_CRASH));

/** P-NoKernAccPriv: no step of the host kernel touches a page the guest (or firmware) owns. */
export const noKernelAccessToPrivate = (): Property =>
  never(
    'no-kernel-access-to-private',
    'the host kernel never reads or writes a page owned by the guest or firmware, zeroing included (P-NoKernAccPriv, INV-5)',
    (s) => crashes.has(s.outcome),
  );

/**
 * P-NoKernAccPriv with the premise that names the access the model is about (a host kernel
 * access to a page donated to the guest, ...), judged per transition so the premise can see
 * the world before the step: a hold where that access never happens reads `holds (vacuous)`.
 */
export const noKernelAccessToPrivateWhere = (premise: TransitionTest): Property =>
  neverTransition(
    'no-kernel-access-to-private',
    'the host kernel never reads or writes a page owned by the guest or firmware, zeroing included (P-NoKernAccPriv, INV-5)',
    (t) => crashes.has(t.outcome),
    { premise },
  );
