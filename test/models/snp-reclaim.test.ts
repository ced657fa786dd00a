// snp-reclaim (F34): the RMPUPDATE's answer is a choice in both variants; only the release of
// a page whose RMPUPDATE failed differs (page allocator vs the SNP leaked pages list).
import { describe, expect, it } from 'vitest';
import model from '../../models/snp-reclaim.js';
import { freedPageAccounted } from '../../properties/platform.js';
import type { WorldView } from '../../src/property.js';
import { shortest } from './counterexamples.js';
import { byMechanism } from './mechanism.js';
import { run } from './flaw.js';
import { cannotReach, reachableGraph } from './graph.js';

describe('snp-reclaim', () => {
  it('F34: RMPUPDATE fails, the page is freed anyway, the next host user writes it: an RMP #PF', () => {
    expect(byMechanism(model, 'reclaim-fail-freed', 'no-rmp-fault')).toEqual([
      'gmem: invalidate(choice=fails)',
      'gmem: release()',
      'host: hostWrite()',
    ]);
    expect(byMechanism(model, 'reclaim-fail-freed', 'no-assigned-page-in-allocator')).toEqual([
      'gmem: invalidate(choice=fails)',
      'gmem: release()',
    ]);
  });

  it('the fix leaks the page on failure, and a successful RMPUPDATE still gives it to the next host user', () => {
    expect(shortest(model, 'reclaim-fail-leaked', 'page-leaked').path).toEqual([
      'gmem: invalidate(choice=fails)',
      'gmem: release()',
    ]);
    const r = run(model, 'reclaim-fail-leaked');
    for (const name of ['no-rmp-fault', 'no-assigned-page-in-allocator'])
      expect(r.properties.find((p) => p.name === name)).toMatchObject({ verdict: 'holds', premise: 'met' });
  });

  it('L-NoLeak: from every page being freed, an accounted end is reachable', () => {
    const p = freedPageAccounted();
    if (p.kind !== 'eventually' || !('state' in p.goal) || p.after === undefined) throw new Error('shape');
    const goal = p.goal.state;
    const after = p.after;
    for (const v of ['reclaim-fail-freed', 'reclaim-fail-leaked']) {
      const g = reachableGraph(model, v, {});
      expect(g.views.some(after)).toBe(true);
      expect(cannotReach(g, goal).filter((i) => after(g.views[i] as WorldView))).toEqual([]);
    }
  });
});
