// direct-map-kvm-cr3: keeping guest memory out of the host kernel's reach with a KVM-only CR3
// (F22) or a USER=1 kernel mapping behind SMAP and LASS (seed 001's alternative)
// (docs/designs-and-flaws.md D8, F22).
//
// Sources:
// - Seed 001 (Sean Christopherson, 13 May 2024): "switch to KVM's CR3 … That's an imperfect
//   solution as IRQs and NMIs will run kernel code with KVM's page tables, i.e. guest memory
//   would still be exposed to the host kernel" (F22); and "mapping all of guest_memfd into
//   kernel address space, but as USER=1 mappings … require CLAC/STAC when access guest memory
//   from the kernel. I think/hope that would provide the speculative execution mitigation
//   properties … Userspace would still have access to guest memory … when CPUs that support
//   LASS come along, userspace would be completely unable to access guest memory through
//   KVM's magic mapping".
// - arch/x86/entry/entry_64.S (v6.18), macro idtentry: "ENDBR; ASM_CLAC; cld" — every IDT
//   entry clears EFLAGS.AC; IRET restores the interrupted EFLAGS.
// - arch/x86/lib/usercopy.c copy_from_user_nmi(): "if (!__access_ok(from, n)) return n;"
//   before raw_copy_from_user() (the STAC window interrupt code opens, for perf callchains).
// - SMAP (supervisor access to USER=1 pages needs EFLAGS.AC) and LASS (user-mode access to
//   the upper half faults; supervisor access to it is not restricted) per the Intel SDM.
// The catalogue agrees no fix for F22: 'user-mapping-lass' is seed 001's idea, a candidate
// that is UNCONFIRMED as a fix; what this model checks of it is architectural only.
// UNCONFIRMED / not modelled: speculative loads (Sean's "I think/hope") — a speculative load
// past __access_ok() inside a STAC window, or a gadget in interrupt code, is not explored;
// NMIs nested in interrupts; FRED event delivery (which clears AC in hardware).
//
// Machines: the CPU (models/machines/kvmCpu.ts), the vCPU thread as an actor (KVM_RUN,
// open its access window, read guest memory, close it, leave KVM_RUN), an interrupt
// handler on the same CPU (enter; a stray load of a guest-memory address; a
// copy_from_user_nmi() given the user stack or a guest-memory pointer; exit), and a user
// thread on another CPU loading the kernel address of KVM's guest-memory mapping.
// Variants (the only difference is the CpuRules delivered with the events):
// - kvm-only-cr3 (F22): guest memory mapped only in KVM's CR3, loaded at KVM_RUN.
// - user-mapping-lass (candidate): USER=1 kernel mapping, SMAP, LASS, entry CLAC, __access_ok().
// - user-mapping-smap-only: the same without LASS: user mode reads the mapping (seed 001).
// - user-mapping-no-entry-clac (mutant): interrupt entry keeps EFLAGS.AC of the interrupted
//   STAC window.
// - user-mapping-unchecked-uaccess (mutant): interrupt-context uaccess skips __access_ok().
// Bound: exhaustive; shortest counterexamples 3 events (F22; docs §3: 3), 4 (no entry CLAC),
// 2 (unchecked uaccess), 1 (no LASS).
import {
  defineModel,
  sometimesStep,
  worldEvent,
  type Participant,
  type WorldEventSpec,
} from '../src/index.js';
import { onlyKvmReadsGuestMemory, userCannotReadKvmMapping } from '../properties/directMap.js';
import { actorStep, sequentialActor } from './machines/actor.js';
import { cpuMachine, type CpuContext, type CpuRules } from './machines/kvmCpu.js';

type Variant =
  | 'kvm-only-cr3'
  | 'user-mapping-lass'
  | 'user-mapping-smap-only'
  | 'user-mapping-no-entry-clac'
  | 'user-mapping-unchecked-uaccess';

const CANDIDATE: CpuRules = { map: 'user1', lass: true, entryClac: true, accessOk: true };
const RULES: Readonly<Record<Variant, CpuRules>> = {
  'kvm-only-cr3': { ...CANDIDATE, map: 'kvm-cr3' },
  'user-mapping-lass': CANDIDATE,
  'user-mapping-smap-only': { ...CANDIDATE, lass: false },
  'user-mapping-no-entry-clac': { ...CANDIDATE, entryClac: false },
  'user-mapping-unchecked-uaccess': { ...CANDIDATE, accessOk: false },
};

const CPU = 'cpu';
const vcpuMachine = sequentialActor('vcpu', ['inKvmRun', 'windowOpen', 'accessed', 'windowClosed', 'exited']);
const irqMachine = sequentialActor('irq', ['entered', 'exited']);

/** The vCPU thread runs only while no interrupt handler runs on its CPU. */
const taskRuns: Participant = {
  machine: CPU,
  requires: (s) => (s.context as CpuContext).ctx === 'task',
};

/** One vCPU-thread step: it runs (no interrupt handler on its CPU), takes its phase, moves the CPU. */
const vcpuStep = (
  phase: string,
  type: string,
  kernel: string,
  extra: Record<string, string> = {},
): WorldEventSpec =>
  worldEvent(
    'vcpu',
    type,
    {},
    [taskRuns, actorStep('vcpu', phase, 0), { machine: CPU, event: { type, ...extra } }],
    {
      kernel,
    },
  );

function vcpu(r: CpuRules): WorldEventSpec[] {
  return [
    vcpuStep('inKvmRun', 'kvmRun', "KVM_RUN → vcpu_load(): load KVM's CR3 (KVM-only CR3 design)"),
    vcpuStep(
      'windowOpen',
      'accessBegin',
      "open the guest-memory access: STAC (USER=1 design); nothing with KVM's CR3",
      {
        map: r.map,
      },
    ),
    vcpuStep('accessed', 'kvmRead', 'KVM reads guest memory (kvm_read_guest(), instruction emulation)', {
      map: r.map,
    }),
    vcpuStep('windowClosed', 'accessEnd', 'close the access: CLAC'),
    vcpuStep('exited', 'kvmExit', 'KVM_RUN returns: back to the host CR3'),
  ];
}

function irq(r: CpuRules): WorldEventSpec[] {
  return [
    worldEvent(
      'irq',
      'irqEnter',
      {},
      [actorStep('irq', 'entered', 0), { machine: CPU, event: { type: 'irqEnter', entryClac: r.entryClac } }],
      {
        kernel: 'interrupt / NMI entry on the same CPU: idtentry (ASM_CLAC); CR3 is not switched',
      },
    ),
    worldEvent(
      'irq',
      'irqRead',
      {},
      [
        { machine: 'irq', requires: 'entered' },
        { machine: CPU, event: { type: 'irqRead', map: r.map } },
      ],
      {
        kernel:
          'interrupt code loads a guest-memory address outside any STAC window (a stray pointer; objtool forbids calls inside one)',
      },
    ),
    worldEvent(
      'irq',
      'irqUaccess',
      {},
      [
        { machine: 'irq', requires: 'entered' },
        { machine: CPU, event: { type: 'irqUaccess', map: r.map, accessOk: r.accessOk }, choice: true },
      ],
      {
        kernel: 'copy_from_user_nmi(): __access_ok(), STAC, raw_copy_from_user(), CLAC (perf callchain)',
        choices: ['user-pointer', 'guest-pointer'],
      },
    ),
    worldEvent(
      'irq',
      'irqExit',
      {},
      [actorStep('irq', 'exited', 0), { machine: CPU, event: { type: 'irqExit' } }],
      {
        kernel: 'IRET: back to the interrupted code, its EFLAGS.AC restored',
      },
    ),
  ];
}

const mapping = {
  'only-kvm-reads-guest-memory': 'holds',
  'user-cannot-read-kvm-mapping': 'holds',
  'kvm-reads-guest-memory': 'reached',
} as const;

export default defineModel<never, Variant>({
  id: 'direct-map-kvm-cr3',
  title: 'KVM-only CR3 vs a USER=1 kernel mapping behind SMAP and LASS (D8, F22)',
  summary:
    "A vCPU thread reads guest memory from KVM while an interrupt handler may run on the same CPU (a stray load, or a copy_from_user_nmi() STAC window) and a user thread may load the kernel address of KVM's guest-memory mapping. With guest memory mapped only in KVM's CR3, an interrupt taken during KVM_RUN reads it (F22; no fix agreed). Seed 001's USER=1 mapping, the candidate, holds architecturally because interrupt entry clears EFLAGS.AC, interrupt uaccess refuses kernel pointers (__access_ok) and LASS keeps user mode out; mutants without LASS, without the entry CLAC, or without __access_ok show what it relies on. Speculative loads are not modelled. Explored exhaustively.",
  sources: [
    'docs/designs-and-flaws.md D8, F22',
    'seeds/001 (Sean Christopherson: KVM-only CR3, USER=1 + LASS)',
    'arch/x86/entry/entry_64.S idtentry (ASM_CLAC), v6.18',
    'arch/x86/lib/usercopy.c copy_from_user_nmi() (__access_ok before the STAC window)',
  ],
  unconfirmed: [
    'the USER=1 + LASS mapping as a fix for F22 (seed 001: "I think/hope"; the catalogue agrees no fix)',
    'speculative reach of the mapping under SMAP/LASS, or past __access_ok() in a STAC window: not modelled',
  ],
  params: {},
  variants: {
    'kvm-only-cr3': {
      doc: "guest memory mapped only in KVM's CR3, loaded at KVM_RUN; interrupts run on it",
      flaws: ['F22'],
      fixedBy: 'user-mapping-lass',
      expect: { ...mapping, 'only-kvm-reads-guest-memory': 'violated' },
    },
    'user-mapping-lass': {
      doc: 'candidate (UNCONFIRMED): guest memory mapped USER=1 in the kernel half; KVM reads between STAC and CLAC; SMAP, LASS, entry CLAC, __access_ok()',
      flaws: [],
      expect: mapping,
    },
    'user-mapping-smap-only': {
      doc: 'the USER=1 mapping without LASS: user mode reads guest memory through it (seed 001: "Userspace would still have access")',
      flaws: [],
      expect: { ...mapping, 'user-cannot-read-kvm-mapping': 'violated' },
    },
    'user-mapping-no-entry-clac': {
      doc: 'mutant: interrupt entry keeps EFLAGS.AC of the interrupted STAC window',
      flaws: [],
      expect: { ...mapping, 'only-kvm-reads-guest-memory': 'violated' },
    },
    'user-mapping-unchecked-uaccess': {
      doc: 'mutant: an interrupt handler copies from a pointer without __access_ok(); its STAC window reaches the mapping',
      flaws: [],
      expect: { ...mapping, 'only-kvm-reads-guest-memory': 'violated' },
    },
  },
  properties: [
    onlyKvmReadsGuestMemory(),
    userCannotReadKvmMapping(),
    sometimesStep(
      'kvm-reads-guest-memory',
      'the vCPU thread reads guest memory (the design does not lock KVM out)',
      (s) => s.actor === 'vcpu' && s.type === 'kvmRead' && s.outcome === 'ok',
    ),
  ],
  build(_params, variant) {
    const r = RULES[variant];
    return {
      machines: [
        { id: CPU, machine: cpuMachine },
        { id: 'vcpu', machine: vcpuMachine },
        { id: 'irq', machine: irqMachine },
      ],
      events: [
        ...vcpu(r),
        ...irq(r),
        worldEvent(
          'user',
          'userRead',
          {},
          [{ machine: CPU, event: { type: 'userRead', map: r.map, lass: r.lass } }],
          {
            kernel: "a user-mode load of the kernel-half address of KVM's guest-memory mapping (another CPU)",
          },
        ),
      ],
    };
  },
});
