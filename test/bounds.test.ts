// Parameters past a model's declared maximum: a clear refusal by default; with
// --beyond-max the run goes ahead under the usual limits, and what it records replays.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { models } from '../models/index.js';
import type { AnyModel } from '../src/model.js';
import { runCli } from './helpers.js';

const gunyah = models.find((m) => m.id === 'gunyah-longterm-pin') as AnyModel;
const max = gunyah.params['pages']?.max ?? 0;
const min = gunyah.params['pages']?.min ?? 0;

describe('--beyond-max', () => {
  it('a value above the maximum is refused in one line that names the flag, and nothing is written', async () => {
    const out = mkdtempSync(join(tmpdir(), 'foliocheck-bounds-'));
    const run = await runCli(['check', 'gunyah-longterm-pin', '--set', `pages=${max + 1}`, '--out', out]);
    expect(run.code).toBe(2);
    expect(run.out).toBe('');
    expect(run.err.trim().split('\n')).toHaveLength(1);
    expect(run.err).toContain(`between ${min} and ${max}`);
    expect(run.err).toContain('--beyond-max');
    expect(readdirSync(out)).toEqual([]);
  });

  it('a value below the minimum stays refused with it', async () => {
    const run = await runCli(['check', 'gunyah-longterm-pin', '--set', `pages=${min - 1}`, '--beyond-max']);
    expect(run.code).toBe(2);
    expect(run.err).toContain(`between ${min} and ${max}`);
    expect(run.err).not.toContain('--beyond-max');
  });

  it('opts in: the run goes past the maximum, and its counterexamples replay', async () => {
    const out = mkdtempSync(join(tmpdir(), 'foliocheck-bounds-'));
    const run = await runCli([
      'check',
      'gunyah-longterm-pin:longterm-pin',
      '--set',
      `pages=${max + 1}`,
      '--beyond-max',
      '--out',
      out,
      '--json',
    ]);
    expect(run.code).toBe(0);
    const body = JSON.parse(run.out) as { runs: { params: { pages: number }; complete: boolean }[] };
    expect(body.runs[0]?.params.pages).toBe(max + 1);
    expect(body.runs[0]?.complete).toBe(true);
    const traces = readdirSync(out);
    expect(traces.length).toBeGreaterThan(0);
    for (const t of traces) expect((await runCli(['replay', join(out, t)])).code).toBe(0);
  });

  it('runs under the usual limits', async () => {
    const run = await runCli([
      'check',
      'bench',
      '--set',
      'pages=9',
      '--beyond-max',
      '--max-states',
      '2000',
      '--no-symmetry',
    ]);
    expect(run.code).toBe(3);
  });
});
