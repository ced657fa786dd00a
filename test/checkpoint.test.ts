// Checkpoint/resume: a run stopped by --max-states and resumed from its checkpoint ends
// with the very counts, verdicts and counterexamples of an uninterrupted run; a
// checkpoint of another run or a damaged one is a one-line error (exit 2).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { models } from '../models/index.js';
import { checkRun } from '../src/check.js';
import { InterpretedSpace } from '../src/explore/interpretedSpace.js';
import { bfs } from '../src/explore/bfs.js';
import { runSync } from '../src/explore/strategy.js';
import { PropertyTracker } from '../src/explore/tracker.js';
import { compileSystem } from '../src/system.js';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'foliocheck-cp-'));
const sel = ['guest-memfd-inplace:check-before-unmap', '--set', 'folios=2', '--no-symmetry'];

/**
 * The JSON report without timings or the store used (a checkpointed run keeps no graph, so
 * its visited set may be a bitmap where the graph-recording run used a hash), and with each
 * counterexample's events.
 */
function report(out: string): unknown {
  const body = JSON.parse(out) as {
    runs: { seconds: number; storage: string; properties: { trace: string | null }[] }[];
  };
  for (const r of body.runs) {
    r.seconds = 0;
    r.storage = '';
    for (const p of r.properties) {
      if (p.trace !== null) p.trace = readFileSync(p.trace, 'utf8');
    }
  }
  return body;
}

const strip = (r: unknown): string => JSON.stringify(r).replaceAll('/resumed/', '/full/');

describe('check --checkpoint / --resume', () => {
  it('an interrupted and resumed BFS equals an uninterrupted one (counts, verdicts, traces)', async () => {
    const cp = join(dir, 'run.checkpoint.json');
    const full = await runCli(['check', ...sel, '--json', '--out', join(dir, 'full')]);
    const cut = await runCli(['check', ...sel, '--json', '--max-states', '5000', '--checkpoint', cp]);
    const cutRun = (JSON.parse(cut.out) as { runs: { states: number; stopReason: string }[] }).runs[0];
    expect(cutRun?.stopReason).toBe('max-states');
    expect(cutRun?.states).toBeLessThan(36450);
    const resumed = await runCli(['check', ...sel, '--json', '--resume', cp, '--out', join(dir, 'resumed')]);
    expect([full.code, resumed.code, resumed.err]).toEqual([0, 0, '']);
    expect(strip(report(resumed.out))).toBe(strip(report(full.out)));
    expect((JSON.parse(full.out) as { runs: { states: number }[] }).runs[0]?.states).toBe(36450);
  });

  it('a checkpoint of another variant, parameter or option is refused with exit 2', async () => {
    const cp = join(dir, 'other.checkpoint.json');
    await runCli(['check', ...sel, '--max-states', '5000', '--checkpoint', cp]);
    const cases = [
      ['check', 'guest-memfd-inplace:fixed', '--set', 'folios=2', '--no-symmetry', '--resume', cp],
      ['check', ...sel.slice(0, 3), '--resume', cp],
      ['check', ...sel, '--engine', 'interpret', '--resume', cp],
      ['check', ...sel, '--max-depth', '5', '--resume', cp],
      ['check', 'guest-memfd-inplace:check-before-unmap', '--no-symmetry', '--resume', cp],
    ];
    for (const argv of cases) {
      const r = await runCli(argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^foliocheck: .*was taken with .*, this run has .*\n$/);
    }
  });

  it('a truncated, edited or missing checkpoint is a one-line error', async () => {
    const cp = join(dir, 'damaged.checkpoint.json');
    await runCli(['check', ...sel, '--max-states', '5000', '--checkpoint', cp]);
    const text = readFileSync(cp, 'utf8');
    const variants = [text.slice(0, text.length / 2), text.replace('"next":', '"next":1'), '{}', ''];
    for (const v of variants) {
      writeFileSync(cp, v);
      const r = await runCli(['check', ...sel, '--resume', cp]);
      expect([r.code, r.err.split('\n').length]).toEqual([2, 2]);
    }
    expect((await runCli(['check', ...sel, '--resume', join(dir, 'none.json')])).code).toBe(2);
  });

  it('needs one variant and bfs', async () => {
    const cp = join(dir, 'x.json');
    for (const argv of [
      ['check', 'guest-memfd-inplace', '--checkpoint', cp],
      ['check', ...sel, '--strategy', 'dfs', '--checkpoint', cp],
      ['check', ...sel, '--checkpoint-every', '5'],
    ]) {
      const r = await runCli(argv);
      expect(r.code).toBe(2);
    }
  });
});

describe('InterpretedSpace snapshot/restore', () => {
  it('restores the very worlds, parents and events, and a resumed BFS finds nothing new', () => {
    const model = models.find((m) => m.id === 'gunyah-longterm-pin');
    if (model === undefined) throw new Error('model missing');
    const variant = Object.keys(model.variants)[0] as string;
    const params = Object.fromEntries(Object.entries(model.params).map(([k, p]) => [k, p.default]));
    const sys = compileSystem(model, params, variant);
    const a = new InterpretedSpace(sys, true);
    const stats = runSync(bfs(a, new PropertyTracker(sys), {}));
    const b = new InterpretedSpace(sys, true);
    b.restore(a.snapshot());
    expect(b.size).toBe(a.size);
    for (let i = 0; i < a.size; i++) {
      expect([b.parentOf(i), b.eventOf(i)]).toEqual([a.parentOf(i), a.eventOf(i)]);
      expect(b.worldOf(i).map((s) => s.value)).toEqual(a.worldOf(i).map((s) => s.value));
    }
    const again = runSync(
      bfs(b, new PropertyTracker(sys), {
        resumeFrom: { next: a.size, levelEnd: a.size, levels: stats.levels, transitions: stats.transitions },
      }),
    );
    expect([again.states, again.transitions]).toEqual([stats.states, stats.transitions]);
    const ref = checkRun(model, params, variant, { engine: 'interpret', strategy: 'bfs', symmetry: true });
    expect(ref.states).toBe(a.size);
  });
});
