// guest-memfd-mainline: each invariant holds because of the
// kernel rule it is about. With that rule's check skipped (the transition that refuses is
// removed, so the next branch applies as if the check passed), the same events of the
// design alphabet reach a violation — so a `holds` here is earned, not built in. (That
// every invariant holds, non-vacuously, at the defaults is pinned by test/models/pinned.test.ts.)
import { createMachine, type AnyStateMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import mainline from '../../models/guest-memfd-mainline.js';
import { gmemFileMachine } from '../../models/machines/gmemFile.js';
import { kvmVmMachine, memslotMachine } from '../../models/machines/kvmVm.js';
import type { AnyModel } from '../../src/model.js';
import { shortest } from './counterexamples.js';

type Transition = { readonly actions?: unknown; readonly guard?: unknown };
type Config = { readonly on?: Record<string, unknown>; readonly states?: Record<string, Config> };

const refuses =
  (code: string) =>
  (t: Transition): boolean =>
    (JSON.stringify(t.actions ?? null) ?? '').includes(`"code":"${code}"`);

/** `machine` with the transitions of `event` (in `state`, or at the root) that `drop` selects removed. */
function without(
  machine: AnyStateMachine,
  state: string | undefined,
  event: string,
  drop: (t: Transition) => boolean,
): AnyStateMachine {
  const cfg = machine.config as Config;
  const node = state === undefined ? cfg : (cfg.states?.[state] as Config);
  const list = ([] as Transition[]).concat(node.on?.[event] as Transition | Transition[]);
  const kept = list.filter((t) => !drop(t));
  expect(kept.length).toBeLessThan(list.length);
  const on = { ...node.on, [event]: kept };
  const next =
    state === undefined ? { ...cfg, on } : { ...cfg, states: { ...cfg.states, [state]: { ...node, on } } };
  return createMachine(next as never, machine.implementations as never);
}

/** `model` with every instance of `original` replaced by `mutant`. */
function substituted(model: AnyModel, original: AnyStateMachine, mutant: AnyStateMachine): AnyModel {
  return {
    ...model,
    build: (p, v) => {
      const sys = model.build(p, v);
      return {
        ...sys,
        machines: sys.machines.map((m) => (m.machine === original ? { ...m, machine: mutant } : m)),
      };
    },
  };
}

describe('guest-memfd-mainline: each invariant rests on its kernel rule', () => {
  it('without kvm_check_memslot_overlap() (no EEXIST), two memslots cover one GFN', () => {
    const m = substituted(
      mainline,
      memslotMachine,
      without(memslotMachine, undefined, 'overlap', refuses('EEXIST')),
    );
    expect(shortest(m, 'default-vm', 'memslots-disjoint')).toEqual({
      verdict: 'violated',
      path: [
        'vmm: create(fd=0, size=P, flags=MMAP)',
        'vmm: set_memory_region(slot=0, gpa=0, size=P, api=v2, flags=GUEST_MEMFD, fd=gmem0, offset=0)',
        // The binding check refuses slot 1 while slot 0 binds the file; once the file is
        // released, slot 0 stays (bound-but-dead) and only the GPA check would refuse.
        'vmm: close(fd=0)',
        'vmm: create(fd=0, size=P, flags=MMAP)',
        'vmm: set_memory_region(slot=1, gpa=0, size=P, api=v2, flags=GUEST_MEMFD, fd=gmem0, offset=0)',
      ],
    });
  });

  it("without kvm_gmem_bind()'s bindings check (no EEXIST), two memslots bind one index", () => {
    const m = substituted(
      mainline,
      gmemFileMachine,
      without(gmemFileMachine, 'open', 'bind', refuses('EEXIST')),
    );
    expect(shortest(m, 'default-vm', 'bindings-disjoint')).toEqual({
      verdict: 'violated',
      path: [
        'vmm: create(fd=0, size=P, flags=MMAP)',
        'vmm: set_memory_region(slot=0, gpa=0, size=P, api=v2, flags=GUEST_MEMFD, fd=gmem0, offset=0)',
        'vmm: set_memory_region(slot=1, gpa=P, size=P, api=v2, flags=GUEST_MEMFD, fd=gmem0, offset=0)',
      ],
    });
  });

  it("without kvm_gmem_bind()'s range check (no EINVAL), a memslot is bound past i_size", () => {
    const m = substituted(
      mainline,
      gmemFileMachine,
      without(gmemFileMachine, 'open', 'bind', refuses('EINVAL')),
    );
    expect(shortest(m, 'default-vm', 'binding-within-file').path).toEqual([
      'vmm: create(fd=0, size=P, flags=MMAP)',
      'vmm: set_memory_region(slot=0, gpa=0, size=P, api=v2, flags=GUEST_MEMFD, fd=gmem0, offset=P)',
    ]);
  });

  it('without slot->gmem.file = NULL in kvm_gmem_release(), a memslot stays bound to a released file', () => {
    const m = substituted(
      mainline,
      memslotMachine,
      without(memslotMachine, undefined, 'fileReleased', (t) => t.guard !== undefined),
    );
    expect(shortest(m, 'default-vm', 'binding-within-file').path).toEqual([
      'vmm: create(fd=0, size=P, flags=MMAP)',
      'vmm: set_memory_region(slot=0, gpa=0, size=P, api=v2, flags=GUEST_MEMFD, fd=gmem0, offset=0)',
      'vmm: close(fd=0)',
    ]);
  });

  it('without kvm_get_kvm() in __kvm_gmem_create(), closing the VM fd destroys a VM whose guest_memfd is open', () => {
    const m = substituted(
      mainline,
      kvmVmMachine,
      without(kvmVmMachine, undefined, 'getRef', (t) => t.guard !== undefined),
    );
    expect(shortest(m, 'sw-protected', 'vm-outlives-gmem-files').path).toEqual([
      'vmm: create(fd=0, size=P, flags=MMAP)',
      'vmm: close_vm()',
    ]);
  });
});
