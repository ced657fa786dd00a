// The D4 flaws as the catalogue tells them (docs/designs-and-flaws.md F8, F27-F29, F31): each
// flawed variant's shortest counterexample is the catalogue's interleaving, and it replays.
import { describe, expect, it } from 'vitest';
import { counterexample } from './flawTraces.js';

describe('guest-memfd-v1 (F8)', () => {
  it('F8-A: a shared fault installs inside an invalidation whose range misses the gfn', async () => {
    expect(await counterexample('guest-memfd-v1', 'no-range-add', 'no-shared-spte-on-private')).toEqual([
      'vcpu.faultIn(slot=0,kind=shared)',
      'converter.preSet(to=private)',
      'vcpu.install(slot=0,kind=shared)',
      'converter.store(to=private)',
    ]);
  });
  it('F8-A towards shared: a private fault installs a private SPTE on a gfn turned shared', async () => {
    expect(await counterexample('guest-memfd-v1', 'no-range-add', 'no-private-spte-on-shared')).toEqual([
      'converter.preSet(to=private)',
      'converter.store(to=private)',
      'converter.postSet(to=private)',
      'vcpu.faultIn(slot=0,kind=private)',
      'converter.preSet(to=shared)',
      'vcpu.install(slot=0,kind=private)',
      'converter.store(to=shared)',
    ]);
  });
  it('F8-B: a shared SPTE in the shared-only (SMM) memslot survives conversion to private', async () => {
    expect(await counterexample('guest-memfd-v1', 'no-shared-slot-zap', 'no-shared-spte-on-private')).toEqual(
      [
        'vcpu.faultIn(slot=1,kind=shared)',
        'vcpu.install(slot=1,kind=shared)',
        'converter.preSet(to=private)',
        'converter.store(to=private)',
      ],
    );
  });
});

describe('guest-memfd-v1-punch (F27, F28)', () => {
  it('F27: allocate (a private fault), punch; the folio stays in the file', async () => {
    expect(await counterexample('guest-memfd-v1-punch', 'punch-no-truncate', 'punch-frees')).toEqual([
      'vcpu.faultIn(slot=0,kind=private)',
      'puncher.punchBegin(index=0)',
      'puncher.punchTruncate(index=0)',
    ]);
  });
  it('F28: punching an unbound range leaves mmu_invalidate_in_progress raised', async () => {
    expect(
      await counterexample('guest-memfd-v1-punch', 'unbalanced-invalidate', 'invalidations-balanced'),
    ).toEqual(['puncher.punchBegin(index=1)', 'puncher.punchTruncate(index=1)', 'puncher.punchEnd(index=1)']);
  });
});

describe('guest-memfd-v1-binding (F29, F31)', () => {
  it("F29: get_pfn pairs the old memslot with a new file allocated at the released one's address", async () => {
    expect(
      await counterexample('guest-memfd-v1-binding', 'no-srcu-sync', 'get-pfn-file-matches-slot'),
    ).toEqual([
      'vcpu.lookup(gen=0)',
      'closer.release(file=A)',
      'closer.createFile(file=B)',
      'updater.deleteMemslot(slot=0)',
      'updater.createMemslot(file=B)',
      'vcpu.getFile(file=B)',
    ]);
  });
  it('F31: a wrapping offset + size passes the signed i_size check', async () => {
    expect(
      await counterexample('guest-memfd-v1-binding', 'signed-bind-offset', 'binding-within-file'),
    ).toEqual(['binder.bind(slot=1,offset=9223372036854771712)']);
  });
});
