// A checkpointed run past the size at which the JSON checkpoint of the first round broke
// (about 26 M states: one JSON string past V8's limit): bench pages=6 unreduced (the
// 43 M-state run of issue 13) stopped at 30 M states with checkpoints every 10 s, then
// resumed, must end with the counts and verdicts of the uninterrupted run. Real processes,
// as a user runs them; minutes on a 2-core machine.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBin } from '../spawn.js';

interface Run {
  states: number;
  transitions: number;
  depth: number;
  complete: boolean;
  stopReason: string | null;
  properties: { name: string; verdict: string }[];
}

const dir = mkdtempSync(join(tmpdir(), 'foliocheck-long-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// --no-por: a checkpointed run is never reduced (docs/performance.md), and the reduction's
// first window can prune transitions (not states) before it stops itself, so the
// uninterrupted run is asked for no reduction too.
const bench = [
  'check',
  'bench',
  '--set',
  'pages=6',
  '--no-symmetry',
  '--no-por',
  '--json',
  '--max-memory',
  '6G',
];
const runOf = (out: string): Run => (JSON.parse(out) as { runs: Run[] }).runs[0] as Run;
const HOUR = 3_600_000;

describe('checkpoints at scale', () => {
  it('bench pages=6 stopped at 30 M states and resumed equals the uninterrupted run', async () => {
    const full = await runBin(bench, { killAfter: HOUR });
    expect([full.code, full.signal]).toEqual([0, null]);
    const whole = runOf(full.out);
    expect(whole.states).toBeGreaterThan(40_000_000);

    const cp = join(dir, 'bench6.checkpoint');
    const cut = await runBin(
      [...bench, '--max-states', '30000000', '--checkpoint', cp, '--checkpoint-every', '10'],
      { killAfter: HOUR },
    );
    // Saving is no longer fatal at this size: no error, exit 3 (a limit), a file of ~14 B a state.
    expect([cut.code, cut.signal]).toEqual([3, null]);
    expect(cut.err).not.toMatch(/checkpoint|RangeError/);
    const stopped = runOf(cut.out);
    expect(stopped.stopReason).toBe('max-states');
    expect(stopped.states).toBeGreaterThanOrEqual(30_000_000);
    expect(statSync(cp).size).toBeGreaterThan(stopped.states * 14);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);

    const resumed = await runBin([...bench, '--resume', cp], { killAfter: HOUR });
    expect([resumed.code, resumed.signal]).toEqual([0, null]);
    const after = runOf(resumed.out);
    expect([after.states, after.transitions, after.depth, after.complete]).toEqual([
      whole.states,
      whole.transitions,
      whole.depth,
      true,
    ]);
    expect(after.properties).toEqual(whole.properties);
  });
});
