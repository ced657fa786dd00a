// Input hygiene and what the CLI prints for reproduction: parameters are own keys and
// given once, --workers is capped, replay names edits as edits, traces with duplicate ids
// or a misplaced loop are refused, every rerun command carries the options that shaped the
// run, and trace file names carry the non-default parameters.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'foliocheck-hyg-'));

function oneLineError(r: { code: number; err: string }): string {
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/^foliocheck: [^\n]+\n$/);
  return r.err;
}

describe('parameters', () => {
  it('names from the object prototype are not parameters', async () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      const err = oneLineError(await runCli(['check', 'bench', '--set', `${name}=1`]));
      expect(err).toContain(`parameter '${name}'`);
    }
  });
  it('a parameter given twice is an error, whatever the values', async () => {
    for (const values of [
      ['pages=2', 'pages=3'],
      ['pages=2', 'pages=2'],
    ]) {
      const argv = ['check', 'bench', ...values.flatMap((v) => ['--set', v])];
      expect(oneLineError(await runCli(argv))).toContain('--set pages given twice');
    }
  });
});

describe('--workers', () => {
  it('is capped at the cores of the machine, with a note; --workers-force lifts the cap', async () => {
    const cores = availableParallelism();
    const r = await runCli(['check', 'bench', '--no-symmetry', '--workers', '1000', '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toContain(`--workers 1000 capped at ${cores}`);
    const workers = (JSON.parse(r.out) as { runs: { workers: number }[] }).runs[0]?.workers ?? 0;
    expect(workers).toBeLessThanOrEqual(cores);
    const forced = await runCli([
      'check',
      'bench',
      '--no-symmetry',
      '--workers',
      String(cores + 1),
      '--workers-force',
    ]);
    expect([forced.code, forced.err]).toEqual([0, '']);
    oneLineError(await runCli(['check', 'bench', '--workers-force']));
  });
});

/** A recorded counterexample of the small Gunyah model, as JSON. */
async function recorded(): Promise<{
  file: string;
  trace: Record<string, unknown> & { events: Record<string, unknown>[] };
}> {
  const dir = tmp();
  const r = await runCli(['check', 'gunyah-longterm-pin:longterm-pin', '--set', 'pages=2', '--out', dir]);
  expect(r.code).toBe(0);
  const name = readdirSync(dir).find((f) => f.includes('no-longterm-pin-on-movable')) as string;
  const file = join(dir, name);
  return { file, trace: JSON.parse(readFileSync(file, 'utf8')) as never };
}

describe('replay of edited traces', () => {
  it('an event not enabled where the edit put it: "not enabled in the state reached", never "nondeterministic"', async () => {
    const { file, trace } = await recorded();
    const edits = [
      // reordered: the last event first
      { ...trace, events: [trace.events[trace.events.length - 1], ...trace.events.slice(0, -1)] },
      // an argument changed to another page
      { ...trace, events: trace.events.map((e, i) => (i === 0 ? { ...e, args: { page: 1 } } : e)) },
      // the log shortened at its start
      { ...trace, events: trace.events.slice(1) },
    ];
    let notEnabled = 0;
    for (const edited of edits) {
      writeFileSync(file, JSON.stringify(edited));
      const r = await runCli(['replay', file]);
      expect(r.code).toBe(1);
      expect(r.out).not.toContain('nondeterministic');
      expect(r.out).toMatch(/the trace was edited, or the model('s semantics)? changed/);
      if (r.out.includes('is not enabled in the state reached')) notEnabled++;
    }
    expect(notEnabled).toBeGreaterThan(0);
  });
  it('an unknown event or a changed outcome says so, as an edit', async () => {
    const { file, trace } = await recorded();
    writeFileSync(
      file,
      JSON.stringify({
        ...trace,
        events: trace.events.map((e, i) => (i === 0 ? { ...e, type: 'teleport' } : e)),
      }),
    );
    const unknown = await runCli(['replay', file]);
    expect(unknown.out).toMatch(
      /event 0 \(.*teleport.*\) does not exist in gunyah-longterm-pin:longterm-pin \(the trace was edited/,
    );
    writeFileSync(
      file,
      JSON.stringify({
        ...trace,
        events: trace.events.map((e, i) => (i === 0 ? { ...e, outcome: 'EBUSY' } : e)),
      }),
    );
    const outcome = await runCli(['replay', file]);
    expect(outcome.out).toContain("but the trace recorded 'EBUSY' (the trace was edited");
  });
  it('duplicate event ids and a loop on an invariant trace are refused', async () => {
    const { file, trace } = await recorded();
    const first = trace.events[0] as { id: string };
    writeFileSync(
      file,
      JSON.stringify({ ...trace, events: trace.events.map((e) => ({ ...e, id: first.id })) }),
    );
    expect(oneLineError(await runCli(['replay', file]))).toContain('$.events[1].id');
    writeFileSync(file, JSON.stringify({ ...trace, loop: 0 }));
    expect(oneLineError(await runCli(['replay', file]))).toContain('$.loop');
  });
  it('a trace whose parameters or variant were changed to valid ones is named as edited', async () => {
    const { file, trace } = await recorded();
    writeFileSync(file, JSON.stringify({ ...trace, params: { pages: 3 } }));
    const params = oneLineError(await runCli(['replay', file]));
    expect(params).toContain('its fingerprint is that of gunyah-longterm-pin:longterm-pin pages=2');
    expect(params).toContain('its variant or params were edited');
    writeFileSync(file, JSON.stringify({ ...trace, variant: 'fault-time-share' }));
    expect(oneLineError(await runCli(['replay', file]))).toContain(
      'but its fingerprint is that of gunyah-longterm-pin:longterm-pin pages=2',
    );
  });
});

describe('rerun commands carry every option that shaped the run', () => {
  it('text, JUnit and the job summary, with and without --out', async () => {
    const dir = tmp();
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '');
    const junit = join(dir, 'junit.xml');
    const argv = [
      'check',
      'guest-memfd-inplace:no-pin-check',
      '--set',
      'folios=2',
      '--strategy',
      'swarm',
      '--seeds',
      '3',
      '--walks',
      '50',
      '--seed',
      '5',
      '--max-depth',
      '30',
      '--junit',
      junit,
    ];
    const r = await runCli(argv, { GITHUB_STEP_SUMMARY: summary });
    const rerun =
      'npx foliocheck check guest-memfd-inplace:no-pin-check --set folios=2 --max-depth 30 --strategy swarm --seed 5 --walks 50 --seeds 3';
    expect(r.out).toContain(`rerun with: ${rerun}`);
    // JUnit: undecided properties are skipped cases that say how to rerun.
    expect(readFileSync(junit, 'utf8')).toContain(`rerun: ${rerun}"/>`);
    // The job summary: each counterexample's replay command, recording it first (no --out).
    const trace = 'traces/guest-memfd-inplace.no-pin-check.folios=2.';
    expect(readFileSync(summary, 'utf8')).toContain(
      `\`${rerun} --out traces && npx foliocheck replay ${trace}`,
    );
    // The recorded command writes the very trace the replay command names.
    const cwd = tmp();
    const rerunRun = await runCli([...rerun.split(' ').slice(2), '--out', join(cwd, 'traces')]);
    const written = readdirSync(join(cwd, 'traces'));
    expect(rerunRun.code).not.toBe(2);
    expect(written.every((f) => f.startsWith('guest-memfd-inplace.no-pin-check.folios=2.'))).toBe(true);
    expect(written.length).toBeGreaterThan(0);
  });
  it('exhaustive runs: --no-symmetry, --max-depth and --set in the summary of an undecided run', async () => {
    const dir = tmp();
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '');
    await runCli(['check', 'bench', '--set', 'pages=3', '--no-symmetry', '--max-states', '50'], {
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(readFileSync(summary, 'utf8')).toContain(
      '`npx foliocheck check bench:spec --set pages=3 --max-states 50 --no-symmetry`',
    );
  });
});

/** A gunyah-longterm-pin trace file name. */
const name = (rest: string): string => `gunyah-longterm-pin.${rest}.trace.json`;

describe('trace file names', () => {
  it('carry the non-default parameters, so matrix jobs with different --set do not overwrite each other', async () => {
    const dir = tmp();
    for (const pages of ['1', '2', '3'])
      await runCli(['check', 'gunyah-longterm-pin:longterm-pin', '--set', `pages=${pages}`, '--out', dir]);
    const files = readdirSync(dir).filter((f) => f.includes('no-longterm-pin-on-movable'));
    expect(files.sort()).toEqual([
      'gunyah-longterm-pin.longterm-pin.no-longterm-pin-on-movable.trace.json',
      'gunyah-longterm-pin.longterm-pin.pages=2.no-longterm-pin-on-movable.trace.json',
      'gunyah-longterm-pin.longterm-pin.pages=3.no-longterm-pin-on-movable.trace.json',
    ]);
  });
  it('a swarm shard is part of a run, so it removes no trace; the whole run does', async () => {
    const dir = tmp();
    const stale = 'guest-memfd-inplace.no-pin-check.renamed-property.trace.json';
    writeFileSync(join(dir, stale), '{}\n');
    const swarm = ['check', 'guest-memfd-inplace:no-pin-check', '--strategy', 'swarm', '--seeds', '2'];
    await runCli([...swarm, '--walks', '5', '--shard', '1/2', '--out', dir]);
    expect(readdirSync(dir)).toContain(stale);
    await runCli([...swarm, '--walks', '5', '--out', dir]);
    expect(readdirSync(dir)).not.toContain(stale);
  });
  it("a run owns the traces of exactly its (variant, parameters): matrix jobs sharing a directory neither overwrite nor remove each other's", async () => {
    const dir = tmp();
    // Left by earlier runs: traces of a property that holds now (or was renamed), at the
    // defaults and at pages=3, plus files no run of this variant owns.
    const planted = [
      name('longterm-pin.renamed-property'),
      name('longterm-pin.pages=3.renamed-property'),
      name('longterm-pin.pages=2.renamed-property'),
      name('fault-time-share.renamed-property'),
      'gunyah-longterm-pin.longterm-pin.pages=3.no-longterm-pin-on-movable.shrunk.trace.json',
    ];
    for (const f of planted) writeFileSync(join(dir, f), '{}\n');
    const check = (sets: readonly string[]): Promise<unknown> =>
      runCli(['check', 'gunyah-longterm-pin:longterm-pin', ...sets, '--out', dir]);
    await check(['--set', 'pages=3']);
    const afterTagged = readdirSync(dir);
    const written3 = afterTagged.filter((f) => !planted.includes(f));
    expect(written3).toContain(name('longterm-pin.pages=3.no-longterm-pin-on-movable'));
    // The pages=3 run removed its own stale trace only.
    expect(afterTagged.sort()).toEqual(
      [...planted.filter((f) => f !== name('longterm-pin.pages=3.renamed-property')), ...written3].sort(),
    );
    await check([]);
    const afterDefault = readdirSync(dir);
    const written1 = afterDefault.filter((f) => !afterTagged.includes(f));
    expect(written1).toContain(name('longterm-pin.no-longterm-pin-on-movable'));
    // The run at the defaults removed its own, and left the pages=3 run's traces.
    expect(afterDefault.sort()).toEqual(
      [...afterTagged.filter((f) => f !== name('longterm-pin.renamed-property')), ...written1].sort(),
    );
  });
});
