// The models-platform catalogue as a whole: every world event says what it stands for in the
// kernel, and counterexamples with a nondeterministic choice or a transition property replay
// through the CLI as a user would.
import { describe, expect, it } from 'vitest';
import directMapGupFast from '../../models/direct-map-gup-fast.js';
import directMapKvmCr3 from '../../models/direct-map-kvm-cr3.js';
import directMapRestore from '../../models/direct-map-restore.js';
import lockOrder from '../../models/lock-order.js';
import pkvmShare from '../../models/pkvm-share.js';
import snpDirectmap from '../../models/snp-directmap.js';
import snpReclaim from '../../models/snp-reclaim.js';
import tdxPoison from '../../models/tdx-poison.js';
import type { AnyModel } from '../../src/model.js';
import { run } from './flaw.js';
import { counterexample } from './flawTraces.js';

const MODELS: readonly AnyModel[] = [
  pkvmShare,
  snpDirectmap,
  tdxPoison,
  snpReclaim,
  directMapRestore,
  directMapGupFast,
  directMapKvmCr3,
  lockOrder,
];

describe('models-platform catalogue', () => {
  for (const m of MODELS)
    it(`${m.id}: every world event of every variant names its kernel function, lock or instruction`, () => {
      for (const v of Object.keys(m.variants)) {
        const unnamed = run(m, v)
          .system.events.filter((e) => (e.kernel ?? '').trim() === '')
          .map((e) => `${v}: ${e.actor}.${e.type}`);
        expect(unnamed).toEqual([]);
      }
    });

  it('a counterexample through a choice (RMPUPDATE fails) replays', async () => {
    expect(await counterexample('snp-reclaim', 'reclaim-fail-freed', 'no-rmp-fault')).toEqual([
      'gmem.invalidate(choice=fails)!EIO',
      'gmem.release()',
      'host.hostWrite()!RMP#PF',
    ]);
  });

  it('a counterexample of a transition property (a write while p1 is assigned) replays', async () => {
    expect(await counterexample('snp-directmap', 'rmpupdate-only', 'no-rmp-fault')).toEqual([
      'converter.rmpMakePrivate()',
      'kernel.hostWriteP0()!RMP#PF',
    ]);
  });
});
