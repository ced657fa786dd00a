// Swarm shards: `--shard I/N` runs the jobs with index I mod N; `foliocheck merge` of the N
// shards' --json results equals the unsharded run with the same seeds, traces included.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shardJobs } from '../src/explore/swarm.js';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'foliocheck-merge-'));
const run = [
  'check',
  'guest-memfd-inplace:no-pin-check',
  '--strategy',
  'swarm',
  '--seeds',
  '5',
  '--walks',
  '25',
];

/** The JSON result without timings and without where trace files went (compared apart). */
function comparable(out: string): unknown {
  const body = JSON.parse(out) as { runs: { seconds: number; properties: { trace: string | null }[] }[] };
  for (const r of body.runs) {
    r.seconds = 0;
    for (const p of r.properties) p.trace = null;
  }
  return body;
}

async function shard(i: number, n: number): Promise<string> {
  const r = await runCli([...run, '--shard', `${i}/${n}`, '--json']);
  expect(r.code).toBe(3);
  const file = join(dir, `shard-${i}-of-${n}.json`);
  writeFileSync(file, r.out);
  return file;
}

describe('swarm shards', () => {
  it('a shard runs the jobs whose index is I mod N; the shards partition the jobs', () => {
    expect(shardJobs(7, { index: 1, count: 3 })).toEqual([1, 4]);
    const all = [0, 1, 2].flatMap((i) => shardJobs(7, { index: i, count: 3 })).sort((a, b) => a - b);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(shardJobs(3, undefined)).toEqual([0, 1, 2]);
  });

  it('two shards merged equal the unsharded run (figures, verdicts, counterexamples, traces)', async () => {
    const whole = await runCli([...run, '--json', '--out', join(dir, 'whole')]);
    expect(whole.code).toBe(3);
    const files = [await shard(1, 2), await shard(0, 2)];
    const merged = await runCli(['merge', ...files, '--json', '--out', join(dir, 'merged')]);
    expect([merged.code, merged.err]).toEqual([3, '']);
    expect(comparable(merged.out)).toEqual(comparable(whole.out));
    const traces = readdirSync(join(dir, 'whole')).sort();
    expect(traces.length).toBeGreaterThan(0);
    expect(readdirSync(join(dir, 'merged')).sort()).toEqual(traces);
    for (const t of traces)
      expect(readFileSync(join(dir, 'merged', t), 'utf8')).toBe(readFileSync(join(dir, 'whole', t), 'utf8'));
    // Three shards too, and the merged table names the unsharded rerun command.
    const three = [await shard(0, 3), await shard(1, 3), await shard(2, 3)];
    const table = await runCli(['merge', ...three]);
    expect(table.out).toContain(
      'rerun with: npx foliocheck check guest-memfd-inplace:no-pin-check --strategy swarm --walks 25 --seeds 5 --seed 1',
    );
    const mergedThree = await runCli(['merge', ...three, '--json']);
    expect(comparable(mergedThree.out)).toEqual(comparable(whole.out));
  });

  it('refuses a missing or repeated shard, shards of different runs, and non-shard input', async () => {
    const a = await shard(0, 2);
    const b = await shard(1, 2);
    const missing = await runCli(['merge', a]);
    expect([missing.code, missing.err]).toEqual([
      2,
      expect.stringContaining('shard(s) 1/2 missing') as string,
    ]);
    const twice = await runCli(['merge', a, a, b]);
    expect(twice.err).toContain('shard 0/2 is in both');
    const other = join(dir, 'other.json');
    const r = await runCli([...run.slice(0, -1), '30', '--shard', '1/2', '--json']);
    writeFileSync(other, r.out);
    expect((await runCli(['merge', a, other])).err).toContain(
      'ran guest-memfd-inplace:no-pin-check differently',
    );
    const plain = join(dir, 'plain.json');
    writeFileSync(plain, (await runCli([...run, '--json'])).out);
    expect((await runCli(['merge', plain])).err).toContain('is not a sharded swarm run');
    expect((await runCli(['check', 'bench', '--shard', '0/2'])).code).toBe(2);
    expect((await runCli(['check', 'bench', '--strategy', 'swarm', '--shard', '2/2'])).code).toBe(2);
  });
});
