// snp-tdx-platform: the catalogue's interleavings for F17, F18 and F34 are the shortest
// counterexamples, and the named fixes close them.
import { describe, expect, it } from 'vitest';
import model from '../../models/snp-tdx-platform.js';
import { freedPageAccounted } from '../../properties/platform.js';
import type { WorldView } from '../../src/property.js';
import { shortest } from './counterexamples.js';
import { cannotReach, reachableGraph } from './graph.js';

describe('snp-tdx-platform', () => {
  it('F17: a write to page 0 through the 2 MiB entry faults once page 1 is assigned', () => {
    expect(shortest(model, 'snp-2m-directmap', 'no-rmp-fault')).toEqual({
      verdict: 'violated',
      path: ['converter: rmpAssign()', 'kernel: hostWrite()'],
    });
    expect(shortest(model, 'snp-split-directmap', 'no-rmp-fault').verdict).toBe('holds');
  });

  it('F18: the host consumes partial-write poison after reclaim unless MOVDIR64B clears it', () => {
    expect(shortest(model, 'tdx-reclaim-no-clear', 'no-host-poison-read').path).toEqual([
      'writer: partialWrite()',
      'kvm: reclaim()',
      'host: hostRead()',
    ]);
    expect(shortest(model, 'tdx-reclaim-movdir64b', 'no-host-poison-read').verdict).toBe('holds');
    // Clearing on reclaim protects the host only: the TD can still consume the poison.
    expect(shortest(model, 'tdx-reclaim-movdir64b', 'guest-consumes-poison').verdict).toBe('reached');
  });

  it('F34: a page the firmware kept is freed and the next host write faults, unless it is leaked', () => {
    expect(shortest(model, 'snp-reclaim-fail-freed', 'no-rmp-fault').path).toEqual([
      'gmem: free()',
      'firmware: reclaimFail(leak=false)',
      'host: hostWrite()',
    ]);
    expect(shortest(model, 'snp-reclaim-fail-leaked', 'no-assigned-page-in-allocator').verdict).toBe('holds');
    expect(shortest(model, 'snp-reclaim-fail-leaked', 'page-leaked').verdict).toBe('reached');
  });

  it('L-NoLeak (for the graph judge): from every page being freed, an accounted end is reachable', () => {
    const p = freedPageAccounted();
    if (p.kind !== 'eventually' || !('state' in p.goal) || p.after === undefined) throw new Error('shape');
    const goal = p.goal.state;
    const after = p.after;
    for (const v of ['snp-reclaim-fail-freed', 'snp-reclaim-fail-leaked']) {
      const g = reachableGraph(model, v, {});
      expect(g.views.some(after)).toBe(true);
      expect(cannotReach(g, goal).filter((i) => after(g.views[i] as WorldView))).toEqual([]);
    }
  });
});
