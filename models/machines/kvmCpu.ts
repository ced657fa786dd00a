// One CPU running a vCPU thread and interrupts, for the two ideas of seed 001 (Sean
// Christopherson, 13 May 2024) to keep guest memory out of the host kernel's reach:
// - KVM-only CR3: guest memory is mapped (supervisor pages) only in KVM's page tables,
//   loaded at KVM_RUN; "IRQs and NMIs will run kernel code with KVM's page tables".
// - USER=1 kernel mapping: guest memory mapped in a kernel address range with USER=1, so
//   supervisor code reaches it only with EFLAGS.AC set (SMAP: between STAC and CLAC), and
//   with LASS user mode cannot reach a kernel-half address at all.
// What the hardware checks (Intel SDM / AMD APM, SMAP and LASS):
// - SMAP: a supervisor-mode data access to a USER=1 page faults unless EFLAGS.AC = 1.
// - LASS: a user-mode access to a kernel-half (upper) address faults (#GP) whatever the
//   page tables say; a supervisor access to the upper half is not restricted by LASS.
// What the kernel does around it:
// - every IDT entry clears EFLAGS.AC (idtentry: ENDBR; ASM_CLAC; cld, arch/x86/entry/
//   entry_64.S) and IRET restores the interrupted code's EFLAGS;
// - interrupt code opens its own STAC window only in uaccess helpers such as
//   copy_from_user_nmi() (perf callchains), which refuse a kernel-half pointer first
//   (__access_ok()); objtool rejects calls inside a STAC window, so a stray load by
//   interrupt code happens outside one.
// Context: run (the vCPU thread is inside KVM_RUN: KVM's CR3 is loaded in the KVM-only CR3
// design), ac (EFLAGS.AC), ctx (the vCPU thread or an interrupt handler runs), savedAc
// (EFLAGS.AC of the interrupted code, restored by IRET).
// Reads of guest memory complete with 'ok' when the access goes through, '#PF' when the
// page tables hold no usable mapping (absent, supervisor-only for user mode, or SMAP),
// '#GP' when LASS refuses, 'EFAULT' when __access_ok() refuses the pointer.
import { and, assign, not, setup } from 'xstate';
import { outcome, outcomeActions } from '../../src/index.js';

/** The design rules a variant chooses; delivered with the events they govern. */
export interface CpuRules {
  /** Where guest memory is mapped: only in KVM's CR3, or USER=1 in the kernel half of every CR3. */
  readonly map: 'kvm-cr3' | 'user1';
  /** LASS enabled (user mode cannot reach kernel-half addresses). */
  readonly lass: boolean;
  /** Interrupt entry clears EFLAGS.AC (ASM_CLAC). */
  readonly entryClac: boolean;
  /** Interrupt-context uaccess checks its pointer with __access_ok() before STAC. */
  readonly accessOk: boolean;
}

export type CpuEvent =
  | { type: 'kvmRun' }
  | { type: 'kvmExit' }
  | { type: 'accessBegin'; map: CpuRules['map'] }
  | { type: 'accessEnd' }
  /** KVM (the vCPU thread) reads guest memory through the design's mapping. */
  | { type: 'kvmRead'; map: CpuRules['map'] }
  | { type: 'irqEnter'; entryClac: boolean }
  | { type: 'irqExit' }
  /** Interrupt code loads a guest-memory address outside any STAC window. */
  | { type: 'irqRead'; map: CpuRules['map'] }
  /** Interrupt code's uaccess (copy_from_user_nmi) given pointer `choice`. */
  | { type: 'irqUaccess'; map: CpuRules['map']; accessOk: boolean; choice: string }
  /** User mode (a thread on another CPU) loads the kernel-half address of KVM's guest-memory mapping. */
  | { type: 'userRead'; map: CpuRules['map']; lass: boolean };

export interface CpuContext {
  readonly run: boolean;
  readonly ac: boolean;
  readonly ctx: 'task' | 'irq';
  readonly savedAc: boolean;
}

/** Whether a supervisor-mode load of guest memory goes through, AC as given. */
function supervisorReads(c: CpuContext, map: CpuRules['map'], ac: boolean): boolean {
  return map === 'kvm-cr3' ? c.run : ac;
}

type Args = { context: CpuContext; event: CpuEvent };
const mapOf = (e: CpuEvent): CpuRules['map'] => ('map' in e ? e.map : 'kvm-cr3');

export const cpuMachine = setup({
  types: { context: {} as CpuContext, events: {} as CpuEvent },
  actions: { ...outcomeActions },
  guards: {
    task: ({ context }: Args) => context.ctx === 'task',
    irq: ({ context }: Args) => context.ctx === 'irq',
    running: ({ context }: Args) => context.ctx === 'task' && context.run,
    stopped: ({ context }: Args) => context.ctx === 'task' && !context.run,
    supervisorOk: ({ context, event }: Args) => supervisorReads(context, mapOf(event), context.ac),
    guestPointer: ({ event }: Args) => event.type === 'irqUaccess' && event.choice === 'guest-pointer',
    accessOkRefuses: ({ event }: Args) => event.type === 'irqUaccess' && event.accessOk,
    uaccessOk: ({ context, event }: Args) => supervisorReads(context, mapOf(event), true),
    lassRefuses: ({ event }: Args) => event.type === 'userRead' && event.map === 'user1' && event.lass,
    userPageReadable: ({ event }: Args) => event.type === 'userRead' && event.map === 'user1',
  },
}).createMachine({
  id: 'cpu',
  context: { run: false, ac: false, ctx: 'task', savedAc: false },
  on: {
    kvmRun: { guard: 'stopped', actions: assign({ run: true }) },
    kvmExit: { guard: 'running', actions: assign({ run: false }) },
    // STAC in the USER=1 design; nothing in the KVM-only CR3 one (KVM's map is a "literal nop").
    accessBegin: { guard: 'running', actions: assign(({ event }) => ({ ac: mapOf(event) === 'user1' })) },
    accessEnd: { guard: 'running', actions: assign({ ac: false }) },
    kvmRead: [{ guard: and(['running', 'supervisorOk']) }, { guard: 'running', actions: outcome('#PF') }],
    irqEnter: {
      guard: 'task',
      actions: assign(({ context, event }) => ({
        ctx: 'irq' as const,
        savedAc: context.ac,
        ac: event.type === 'irqEnter' && event.entryClac ? false : context.ac,
      })),
    },
    irqExit: {
      guard: 'irq',
      actions: assign(({ context }) => ({ ctx: 'task' as const, ac: context.savedAc, savedAc: false })),
    },
    irqRead: [{ guard: and(['irq', 'supervisorOk']) }, { guard: 'irq', actions: outcome('#PF') }],
    // copy_from_user_nmi(): __access_ok(), then STAC, the copy, CLAC (AC is back as it was).
    irqUaccess: [
      { guard: and(['irq', not('guestPointer')]) },
      { guard: and(['irq', 'accessOkRefuses']), actions: outcome('EFAULT') },
      { guard: and(['irq', 'uaccessOk']) },
      { guard: 'irq', actions: outcome('#PF') },
    ],
    userRead: [
      { guard: 'lassRefuses', actions: outcome('#GP') },
      { guard: 'userPageReadable' },
      { actions: outcome('#PF') },
    ],
  },
});
