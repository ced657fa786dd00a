// The plain-text report and replay for mail: at most 80 columns, the verdict matrix, an
// ASCII message-sequence chart per counterexample (actors as columns, refusals, the lasso
// loop and the violated property marked), the kernel function of each event, and a replay
// command that works.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';
import { textReplayPaths } from './reportText.js';

const tooWide = (text: string): string[] => text.split('\n').filter((l) => Array.from(l).length > 80);

describe('report --format text', () => {
  const dir = mkdtempSync(join(tmpdir(), 'foliocheck-text-'));
  const run = runCli(['report', 'guest-memfd-inplace', '--format', 'text', '--out', dir]);

  it('fits 80 columns and opens with the design, its variants and the verdict matrix', async () => {
    const { code, out } = await run;
    expect(code).toBe(0);
    expect(tooWide(out)).toEqual([]);
    expect(out).toContain(
      'UNCONFIRMED (assumed, not established)\n  - the in-place conversion series is not merged',
    );
    expect(out).toContain('  folios=1         number of folio slots of the file (1..3)');
    expect(out).toMatch(/\n {2}3 check-before-unmap \(F7\) +check mappings and references first/);
    expect(out).toContain(
      '  property                       1          2          3          4\n  no-host-map-of-private         holds      holds      violated   holds',
    );
    expect(out).toContain('Every verdict is the one its variant expects.');
  });

  it('draws the F7 race as a sequence chart with the violation marked', async () => {
    const { out } = await run;
    const start = out.indexOf('[3] check-before-unmap violates no-host-map-of-private (as expected)');
    expect(start).toBeGreaterThan(0);
    const chart = out.slice(out.indexOf('      vmm', start), out.indexOf('  Initial state', start)).trimEnd();
    expect(chart).toBe(
      [
        '      vmm',
        '      |     converter0',
        '      |     |     page0',
        '      |     |     |     invalidateLock',
        '      |     |     |     |     folio0a',
        '      |     |     |     |     |',
        '   1  *-----------o-----o     |   faultCheck(page=0)',
        '   2  |     *     |     |     |   convertCheck(page=0)',
        '   3  *-----------o-----o-----o   faultAlloc(page=0, frame=a)',
        '   4  |     *-----o-----o     |   convertCommit(page=0)',
        '      |     |     X     |     |   ** no-host-map-of-private violated in the',
        '      |     |     |     |     |   state after step 4',
      ].join('\n'),
    );
    const steps = out.slice(out.indexOf('  Steps', start), out.indexOf('  State after step 4', start));
    expect(steps).toContain(
      '   3  vmm: faultAlloc(page=0, frame=a)\n      kernel: kvm_gmem_fault_user_mapping(): __filemap_get_folio(FGP_CREAT)\n        allocates a zeroed folio, PTE installed, folio_add_lru();\n        filemap_invalidate_unlock_shared()',
    );
    expect(steps).toContain('      page0           attr: shared -> private');
  });

  it('marks refusals and where the loop of a lasso starts and ends', async () => {
    const { out } = await run;
    const start = out.indexOf('[6] no-lru-drain violates conversion-completes (as expected)');
    const part = out.slice(start);
    expect(part).toContain(
      '      :     :     :     :     :   ---- loop: steps 4-5 repeat forever\n   4  |     *-----------o-----x   convertCheck(page=0, frame=a) -> EAGAIN',
    );
    expect(part).toContain('      :     :     :     :     :   ---- back to step 4');
    expect(part).toContain(
      '   4  converter0: convertCheck(page=0, frame=a) -> EAGAIN (folio0a refused)\n        [loop starts]',
    );
    expect(part).toContain(
      'kernel: kvm_gmem_is_safe_for_conversion(): refcount == nr_pages + 1\n        without lru_add_drain_all()',
    );
  });

  it('prints replay commands that reproduce each counterexample, and writes only the traces', async () => {
    const { out } = await run;
    const paths = textReplayPaths(out);
    expect(paths).toHaveLength(6);
    expect(readdirSync(dir)).toEqual(['traces']);
    for (const path of paths) {
      const replay = await runCli(['replay', path]);
      expect({ path, code: replay.code }).toEqual({ path, code: 0 });
    }
  });

  it('every shipped text report fits 80 columns', () => {
    const designs = readdirSync('reports', { withFileTypes: true }).filter(
      (d) => d.isDirectory() && d.name !== 'traces',
    );
    expect(designs.length).toBeGreaterThan(10);
    for (const d of designs) {
      const text = readFileSync(join('reports', d.name, 'report.txt'), 'utf8');
      expect({ design: d.name, wide: tooWide(text) }).toEqual({ design: d.name, wide: [] });
    }
  });
});

describe('replay --format text', () => {
  it('fits 80 columns, shows the kernel function of each step and the lasso loop', async () => {
    const file = 'reports/traces/guest-memfd-inplace.no-lru-drain.conversion-completes.trace.json';
    const run = await runCli(['replay', file, '--format', 'text']);
    expect(run.code).toBe(0);
    expect(tooWide(run.out)).toEqual([]);
    expect(run.out).toContain('---- loop: steps 4-5 repeat forever');
    expect(run.out).toContain('kernel: KVM_SET_MEMORY_ATTRIBUTES2(PRIVATE)');
    expect(run.out).toContain("reproduced: eventually 'conversion-completes' is violated");
    expect(textReplayPaths(run.out)).toEqual([file]);
  });

  it('ends the chart at the step where an edited trace diverges', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'foliocheck-diverge-'));
    const file = join(dir, 'edited.trace.json');
    const trace = JSON.parse(
      readFileSync(
        'reports/traces/guest-memfd-inplace.check-before-unmap.no-host-map-of-private.trace.json',
        'utf8',
      ),
    ) as { events: { outcome: string }[] };
    (trace.events[2] as { outcome: string }).outcome = 'EAGAIN';
    writeFileSync(file, JSON.stringify(trace));
    const run = await runCli(['replay', file, '--format', 'text']);
    expect(run.code).toBe(1);
    expect(tooWide(run.out)).toEqual([]);
    expect(run.out).toContain(
      '   2  |     *     |     |   convertCheck(page=0)\n      |     |     |     |   ** replay diverged at step 3 (event 2): vmm:',
    );
    expect(run.out).toContain('NOT reproduced');
  });

  it('the table shows the kernel function under each event', async () => {
    const file = 'reports/traces/guest-memfd-inplace.check-before-unmap.no-host-map-of-private.trace.json';
    const run = await runCli(['replay', file]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/\n0 +vmm: faultCheck\(page=0\) +ok +page0: attr=shared/);
    expect(run.out).toContain(
      '     kernel: kvm_gmem_fault_user_mapping() under filemap_invalidate_lock_shared()',
    );
    const json = JSON.parse((await runCli(['replay', file, '--format', 'json'])).out) as {
      steps: { kernel: string | null }[];
    };
    expect(json.steps[3]?.kernel).toContain('store PRIVATE');
  });
});
