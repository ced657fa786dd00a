// direct-map-kvm-cr3 (F22, no fix agreed): the interrupt handler runs, loads and copies in
// every variant; what lets it read guest memory is the design's rule.
import { describe, expect, it } from 'vitest';
import model from '../../models/direct-map-kvm-cr3.js';
import { shortest } from './counterexamples.js';
import { byMechanism } from './mechanism.js';
import { run, walk } from './flaw.js';

describe('direct-map-kvm-cr3', () => {
  it("F22: an interrupt taken during KVM_RUN runs on KVM's CR3 and reads guest memory", () => {
    expect(byMechanism(model, 'kvm-only-cr3', 'only-kvm-reads-guest-memory')).toEqual([
      'vcpu: kvmRun()',
      'irq: irqEnter()',
      'irq: irqRead()',
    ]);
  });

  it('the USER=1 candidate: SMAP faults the stray load, __access_ok refuses the uaccess, LASS stops user mode', () => {
    const r = run(model, 'user-mapping-lass');
    const inWindow = ['kvmRun', 'accessBegin', 'irqEnter', 'irqRead', 'irqUaccess', 'irqExit', 'kvmRead'];
    expect(walk(r, inWindow).outcomes).toEqual(['ok', 'ok', 'ok', '#PF', 'ok', 'ok', 'ok']);
    expect(walk(r, ['userRead']).outcomes).toEqual(['#GP']);
    for (const name of ['only-kvm-reads-guest-memory', 'user-cannot-read-kvm-mapping'])
      expect(r.properties.find((p) => p.name === name)).toMatchObject({ verdict: 'holds', premise: 'met' });
  });

  it('what the candidate relies on: the entry CLAC, __access_ok() and LASS', () => {
    expect(shortest(model, 'user-mapping-no-entry-clac', 'only-kvm-reads-guest-memory').path).toEqual([
      'vcpu: kvmRun()',
      'vcpu: accessBegin()',
      'irq: irqEnter()',
      'irq: irqRead()',
    ]);
    expect(shortest(model, 'user-mapping-unchecked-uaccess', 'only-kvm-reads-guest-memory').path).toEqual([
      'irq: irqEnter()',
      'irq: irqUaccess(choice=guest-pointer)',
    ]);
    expect(shortest(model, 'user-mapping-smap-only', 'user-cannot-read-kvm-mapping').path).toEqual([
      'user: userRead()',
    ]);
  });
});
