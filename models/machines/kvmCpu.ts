// One CPU running a vCPU thread and interrupts, for the two ideas of seed 001 (Sean
// Christopherson, 13 May 2024) to keep guest_memfd out of the host kernel's reach:
// - KVM-only CR3: guest memory is mapped only in KVM's page tables, loaded at KVM_RUN;
// - USER=1 kernel mapping: guest memory mapped in a kernel range with USER=1, reachable only
//   between STAC and CLAC (SMAP), and with LASS never from user mode.
// Regions:
//   cr3  host | kvm     page tables loaded (only the KVM-only CR3 design switches)
//   ac   clear | set    EFLAGS.AC: SMAP lets supervisor code touch USER=1 pages only when set
//   ctx  task | irq     the code running: the vCPU thread or an interrupt / NMI handler
// Context: savedAc (EFLAGS.AC of the interrupted code, restored by IRET).
// A read of guest memory completes with 'ok' when the current page tables and EFLAGS.AC let
// the access through, with 'NOMAP' when the page tables hold no mapping of guest memory, and
// with 'SMAP' when SMAP blocks the supervisor access to a USER=1 page.
import { and, assign, or, setup, stateIn } from 'xstate';
import { outcome, outcomeActions } from '../../src/index.js';

/** The guest-memory mapping: only in KVM's CR3, or USER=1 in the kernel range of every CR3. */
export type Design = 'kvm-cr3' | 'user-mapping';

export type CpuEvent =
  | { type: 'kvmRun' }
  | { type: 'kvmExit' }
  | { type: 'stac' }
  | { type: 'clac' }
  /** Interrupt entry; `clac` is the entry code clearing EFLAGS.AC (ASM_CLAC). */
  | { type: 'irqEnter'; clac: boolean }
  | { type: 'irqExit' }
  /** A read of guest memory by `by` (enabled while that code runs), through the design's mapping. */
  | { type: 'read'; design: Design; by: 'task' | 'irq' };

export const cpuMachine = setup({
  types: { context: {} as { savedAc: boolean }, events: {} as CpuEvent },
  actions: { ...outcomeActions },
  guards: {
    inTask: stateIn('#cpu.ctx.task'),
    byTask: ({ event }) => event.type === 'read' && event.by === 'task',
    byIrq: ({ event }) => event.type === 'read' && event.by === 'irq',
    running: or([and(['byTask', stateIn('#cpu.ctx.task')]), and(['byIrq', stateIn('#cpu.ctx.irq')])]),
    kvmCr3Design: ({ event }) => event.type === 'read' && event.design === 'kvm-cr3',
    userMappingDesign: ({ event }) => event.type === 'read' && event.design === 'user-mapping',
    kvmCr3: stateIn('#cpu.cr3.kvm'),
    acSet: stateIn('#cpu.ac.set'),
    clears: ({ event }) => event.type === 'irqEnter' && event.clac,
    savedAc: ({ context }) => context.savedAc,
  },
}).createMachine({
  id: 'cpu',
  type: 'parallel',
  context: { savedAc: false },
  on: {
    read: [
      { guard: and(['running', 'kvmCr3Design', 'kvmCr3']) },
      { guard: and(['running', 'kvmCr3Design']), actions: outcome('NOMAP') },
      { guard: and(['running', 'userMappingDesign', 'acSet']) },
      { guard: and(['running', 'userMappingDesign']), actions: outcome('SMAP') },
    ],
  },
  states: {
    cr3: {
      initial: 'host',
      states: {
        host: { on: { kvmRun: { guard: 'inTask', target: 'kvm' } } },
        kvm: { on: { kvmExit: { guard: 'inTask', target: 'host' } } },
      },
    },
    ac: {
      initial: 'clear',
      states: {
        clear: {
          on: {
            stac: { guard: 'inTask', target: 'set' },
            irqExit: { guard: 'savedAc', target: 'set' },
          },
        },
        set: {
          on: {
            clac: { guard: 'inTask', target: 'clear' },
            irqEnter: { guard: 'clears', target: 'clear' },
          },
        },
      },
    },
    ctx: {
      initial: 'task',
      states: {
        task: {
          on: {
            irqEnter: [
              { guard: 'acSet', target: 'irq', actions: assign({ savedAc: true }) },
              { target: 'irq' },
            ],
          },
        },
        irq: { on: { irqExit: { target: 'task', actions: assign({ savedAc: false }) } } },
      },
    },
  },
});
