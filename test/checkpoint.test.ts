// Checkpoint/resume: a run stopped by --max-states and resumed from its checkpoint ends
// with the very counts, verdicts and counterexamples of an uninterrupted run; a
// checkpoint of another run or a damaged one is a one-line error (exit 2).
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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
import { checkpointHeader, checkpointSaver } from '../src/checkpoint.js';
import type { SearchSnapshot } from '../src/explore/index.js';
import { arraySnapshot, SNAPSHOT_BLOCK } from '../src/explore/space.js';
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
    expect(cutRun?.states).toBeLessThan(9048);
    const resumed = await runCli(['check', ...sel, '--json', '--resume', cp, '--out', join(dir, 'resumed')]);
    expect([full.code, resumed.code, resumed.err]).toEqual([0, 0, '']);
    expect(strip(report(resumed.out))).toBe(strip(report(full.out)));
    expect((JSON.parse(full.out) as { runs: { states: number }[] }).runs[0]?.states).toBe(9048);
  });

  it('a checkpoint of another variant, parameter or option is refused with exit 2', async () => {
    const cp = join(dir, 'other.checkpoint.json');
    await runCli(['check', ...sel, '--max-states', '5000', '--checkpoint', cp]);
    const cases = [
      ['check', ...sel, '--storage', 'wide', '--resume', cp],
      ['check', ...sel, '--exact', '--resume', cp],
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
    const bytes = readFileSync(cp);
    const at = bytes.indexOf('"next":');
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 100] = (flipped[flipped.length - 100] as number) ^ 1;
    const variants = [
      bytes.subarray(0, bytes.length / 2),
      Buffer.concat([bytes.subarray(0, at + 7), Buffer.from('1'), bytes.subarray(at + 7)]),
      flipped,
      Buffer.from('{}'),
      Buffer.alloc(0),
    ];
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

describe('checkpoints that scale', () => {
  it('a store of several blocks is streamed and resumed to the uninterrupted counts (bench pages=5)', async () => {
    const cp = join(dir, 'bench5.checkpoint');
    const bench = ['check', 'bench', '--set', 'pages=5', '--no-symmetry', '--json'];
    const cut = await runCli([
      ...bench,
      '--max-states',
      String(SNAPSHOT_BLOCK + SNAPSHOT_BLOCK / 2),
      '--checkpoint',
      cp,
    ]);
    const stopped = (JSON.parse(cut.out) as { runs: { states: number }[] }).runs[0]?.states ?? 0;
    expect(cut.code).toBe(3);
    expect(cut.err).not.toContain('foliocheck:');
    expect(stopped).toBeGreaterThan(SNAPSHOT_BLOCK);
    // magic, header length, header, 14 bytes per packed state, digest
    expect(statSync(cp).size).toBeGreaterThan(stopped * 14 + 52);
    const resumed = await runCli([...bench, '--resume', cp]);
    const r = (
      JSON.parse(resumed.out) as { runs: { states: number; transitions: number; complete: boolean }[] }
    ).runs[0];
    expect([resumed.code, r?.states, r?.transitions, r?.complete]).toEqual([0, 2_531_250, 35_133_750, true]);
  });

  it('stale temporary files of dead processes are removed at the next start; a live one is kept', async () => {
    const cp = join(dir, 'stale.checkpoint');
    const dead = `${cp}.tmp-999999999`;
    // (the CLI runs in this process, so a live process other than this one: the parent)
    const live = `${cp}.tmp-${process.ppid}`;
    writeFileSync(dead, 'half a save');
    writeFileSync(live, 'a save in progress');
    await runCli(['check', ...sel, '--max-states', '100', '--checkpoint', cp]);
    expect([existsSync(dead), existsSync(live), existsSync(cp)]).toEqual([false, true, true]);
  });

  it('a failed save is reported and the search goes on', () => {
    const model = models.find((m) => m.id === 'bench');
    if (model === undefined) throw new Error('model missing');
    const sys = compileSystem(model, { pages: 2, converters: 1 }, 'spec');
    const warnings: string[] = [];
    const save = checkpointSaver(
      '/proc/foliocheck/ck',
      checkpointHeader(sys, { engine: 'compiled', symmetry: false, maxDepth: undefined }),
      0,
      (m) => warnings.push(m),
    );
    const snapshot = (): SearchSnapshot => ({
      position: { next: 0, levelEnd: 1, levels: [1], transitions: 0 },
      found: sys.properties.map(() => undefined),
      space: arraySnapshot(new Float64Array(1), new Uint32Array(1), new Uint16Array(1), 1),
    });
    expect(() => save(snapshot, false)).not.toThrow();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^foliocheck: .*cannot be created.*; the search goes on and tries again later$/,
    );
  });

  it('a checkpoint of the old JSON format is refused in one line', async () => {
    const cp = join(dir, 'old.checkpoint.json');
    writeFileSync(cp, '{"schema":"foliocheck-checkpoint/1"}\n');
    const r = await runCli(['check', ...sel, '--resume', cp]);
    expect([r.code, r.err]).toEqual([
      2,
      expect.stringContaining('a JSON checkpoint of an older foliocheck') as string,
    ]);
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
