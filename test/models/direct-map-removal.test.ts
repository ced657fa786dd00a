// direct-map-removal: the catalogue's interleavings for F19, F20 (and its 2026 probe) and F22
// are the shortest counterexamples, and the fixes close them.
import { describe, expect, it } from 'vitest';
import model from '../../models/direct-map-removal.js';
import { shortest } from './counterexamples.js';

describe('direct-map-removal', () => {
  it('F19: the second accessor reads after the first zapped the restored entry', () => {
    expect(shortest(model, 'on-demand-restore', 'no-access-without-direct-map')).toEqual({
      verdict: 'violated',
      path: [
        'accessor0: map()',
        'accessor0: read()',
        'accessor1: map()',
        'accessor0: unmap()',
        'accessor1: read()',
      ],
    });
    for (const fix of ['refcounted-restore', 'folio-lock-restore'])
      expect(shortest(model, fix, 'no-access-without-direct-map').verdict).toBe('holds');
  });

  it('F20: GUP-fast pins a secretmem folio and the kernel reads it through the absent direct map', () => {
    expect(shortest(model, 'gup-fast-early-exit', 'no-access-without-direct-map').path).toEqual([
      'user: userFault()',
      'gupFast: gupFastGrab()',
      'gupFast: gupFastCheck()',
      'kernel: kernelRead()',
    ]);
    expect(shortest(model, 'gup-fast-mapping-check', 'gup-refuses-no-direct-map').verdict).toBe('holds');
  });

  it('F20 probe: accepting a NULL mapping pins a just-truncated secretmem folio', () => {
    expect(shortest(model, 'gup-fast-null-mapping-ok', 'gup-refuses-no-direct-map').path).toEqual([
      'user: userFault()',
      'gupFast: gupFastGrab()',
      'user: truncate()',
      'gupFast: gupFastCheck()',
    ]);
  });

  it("F22: an interrupt taken on KVM's CR3 reads guest memory; behind SMAP with entry CLAC it cannot", () => {
    expect(shortest(model, 'kvm-only-cr3', 'only-kvm-reads-guest-memory').path).toEqual([
      'vcpu: kvmRun()',
      'irq: irqEnter()',
      'irq: read()',
    ]);
    expect(shortest(model, 'user-mapping-lass', 'only-kvm-reads-guest-memory').verdict).toBe('holds');
    expect(shortest(model, 'user-mapping-no-entry-clac', 'only-kvm-reads-guest-memory').path).toEqual([
      'vcpu: stac()',
      'irq: irqEnter()',
      'irq: read()',
    ]);
  });
});
