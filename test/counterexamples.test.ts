// Counterexamples people paste: the shrink command, ITF export, random search
// reproducibility and swarm search, through the CLI as a user runs them.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { models } from '../models/index.js';
import guestMemfd from '../models/guest-memfd-inplace.js';
import { PathFolder } from '../src/fold.js';
import { buildTrace, serializeTrace } from '../src/trace.js';
import { runCli, shortestCounterexample } from './helpers.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'foliocheck-cx-'));

/** A counterexample of no-pin-on-private padded with a conversion round trip first. */
function paddedTrace(dir: string): { file: string; shortest: number } {
  const params = { folios: 1, pagesPerFolio: 1, converters: 1 };
  const cx = shortestCounterexample(guestMemfd, params, 'no-pin-check', 'no-pin-on-private');
  const { sys, p, path: shortest } = cx;
  const byLabel = (type: string): number => sys.events.findIndex((e) => e.type === type);
  const noise = ['convertBegin', 'convertCheck', 'convertCommit', 'convertToShared'].map(byLabel);
  const path = [...noise, ...shortest];
  expect(new PathFolder(sys).firstFiring(p, path)).toBe(path.length);
  const trace = buildTrace(sys, { name: 'no-pin-on-private', kind: 'always', verdict: 'violated' }, path);
  const file = join(dir, 'padded.trace.json');
  writeFileSync(file, serializeTrace(trace));
  return { file, shortest: shortest.length };
}

describe('foliocheck shrink', () => {
  it('removes the padding, reports what it removed, and writes a trace that replays', async () => {
    const dir = tmp();
    const { file, shortest } = paddedTrace(dir);
    const res = await runCli(['shrink', file, '--json']);
    expect(res.code).toBe(0);
    const body = JSON.parse(res.out) as { trace: string; before: number; after: number; removed: number };
    expect(body.trace).toBe(join(dir, 'padded.shrunk.trace.json'));
    expect(body.before).toBe(shortest + 4);
    expect(body.after).toBe(shortest);
    expect(body.removed).toBe(4);
    const replay = await runCli(['replay', body.trace]);
    expect(replay.code).toBe(0);
    expect(replay.out).toContain("reproduced: always 'no-pin-on-private' is violated");
    const again = await runCli(['shrink', file, '--out', join(dir, 'again.json')]);
    expect(again.out).toContain(`${shortest + 4} → ${shortest} events (removed 4`);
    expect(readFileSync(join(dir, 'again.json'), 'utf8')).toBe(readFileSync(body.trace, 'utf8'));
  });

  it('refuses a trace that does not reproduce its violation, writing nothing', async () => {
    const dir = tmp();
    const { file } = paddedTrace(dir);
    const trace = JSON.parse(readFileSync(file, 'utf8')) as { events: unknown[] };
    trace.events = trace.events.slice(0, 2);
    writeFileSync(file, JSON.stringify(trace));
    const out = join(dir, 'out.json');
    const res = await runCli(['shrink', file, '--out', out]);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/does not reproduce 'no-pin-on-private' violated/);
    expect(res.err.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
    const missing = await runCli(['shrink', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
  });
});

type Itf = {
  '#meta': Record<string, unknown>;
  vars: unknown[];
  states: Record<string, unknown>[];
  loop?: unknown;
};

/** True for values ITF can carry: booleans, strings, safe integers, lists, records, #-encodings. */
function isItfValue(v: unknown): boolean {
  if (typeof v === 'boolean' || typeof v === 'string') return true;
  if (typeof v === 'number') return Number.isSafeInteger(v);
  if (Array.isArray(v)) return v.every(isItfValue);
  if (typeof v === 'object' && v !== null) return Object.values(v).every(isItfValue);
  return false;
}

describe('foliocheck export --format itf', () => {
  it('writes one ITF state per step with every machine, the action taken, and valid values', async () => {
    const dir = tmp();
    const check = await runCli(['check', 'guest-memfd-inplace:check-before-unmap', '--out', dir]);
    expect(check.code).toBe(0);
    const file = join(dir, 'guest-memfd-inplace.check-before-unmap.no-host-map-of-private.trace.json');
    const trace = JSON.parse(readFileSync(file, 'utf8')) as {
      events: { actor: string; type: string; outcome: string }[];
    };
    const out = join(dir, 'trace.itf.json');
    const res = await runCli(['export', file, '--format', 'itf', '--out', out]);
    expect(res.code).toBe(0);
    const itf = JSON.parse(readFileSync(out, 'utf8')) as Itf;
    expect(itf['#meta']).toMatchObject({ format: 'ITF', model: 'guest-memfd-inplace' });
    expect(itf.loop).toBeUndefined();
    expect(itf.vars.every((v) => typeof v === 'string')).toBe(true);
    expect(itf.vars).toEqual(
      expect.arrayContaining(['page0', 'vmm', 'converter0', 'mbt::actionTaken', 'step']),
    );
    expect(itf.states).toHaveLength(trace.events.length + 1);
    itf.states.forEach((state, i) => {
      expect(state['#meta']).toEqual({ index: i });
      expect(
        Object.keys(state)
          .filter((k) => k !== '#meta')
          .sort(),
      ).toEqual([...(itf.vars as string[])].sort());
      expect(isItfValue(Object.fromEntries(Object.entries(state)))).toBe(true);
      const page = state['page0'] as { value: unknown; context: unknown };
      expect(Object.keys(page).sort()).toEqual(['context', 'value']);
    });
    expect(itf.states[0]?.['mbt::actionTaken']).toBe('init');
    trace.events.forEach((ev, i) => {
      expect(itf.states[i + 1]?.['mbt::actionTaken']).toBe(`${ev.actor}:${ev.type}`);
      expect(itf.states[i + 1]?.['step']).toMatchObject({
        actor: ev.actor,
        type: ev.type,
        outcome: ev.outcome,
      });
    });
    const last = itf.states[trace.events.length]?.['page0'] as { value: Record<string, unknown> };
    expect(last.value['attr']).toBe('private');
    expect(last.value['hostMap']).toBe('mapped');
    const stdout = await runCli(['export', file]);
    expect(JSON.parse(stdout.out)).toEqual(itf);
    const bad = await runCli(['export', file, '--format', 'tla']);
    expect(bad.code).toBe(2);
  });
});

const withoutSeconds = (json: string): unknown =>
  JSON.parse(json, (k: string, v: unknown) => (k === 'seconds' ? 0 : v));

/**
 * model:variant:property of every violated safety verdict (always) in a check --json output;
 * progress properties are judged on the explored graph only, never by sampling.
 */
function violatedIn(out: string): string[] {
  const body = JSON.parse(out) as {
    runs: { model: string; variant: string; properties: { name: string; kind: string; verdict: string }[] }[];
  };
  return body.runs
    .flatMap((r) =>
      r.properties
        .filter((p) => p.verdict === 'violated' && p.kind === 'always')
        .map((p) => `${r.model}:${r.variant}:${p.name}`),
    )
    .sort();
}

describe('random and swarm search', () => {
  it('the same seed gives the same verdicts and byte-identical shrunk counterexamples', async () => {
    const argv = ['check', 'guest-memfd-inplace:no-pin-check', 'gunyah-longterm-pin:longterm-pin'];
    const [a, b] = [tmp(), tmp()];
    const opts = ['--strategy', 'random', '--seed', '42', '--walks', '60', '--json'];
    const first = await runCli([...argv, ...opts, '--out', a]);
    const second = await runCli([...argv, ...opts, '--out', b]);
    const body = withoutSeconds(first.out.replaceAll(a, 'DIR')) as {
      runs: {
        complete: boolean;
        sampling: unknown;
        properties: { name: string; verdict: string; trace: string }[];
      }[];
    };
    expect(body).toEqual(withoutSeconds(second.out.replaceAll(b, 'DIR')));
    expect(first.code).toBe(3);
    for (const r of body.runs) {
      expect(r.complete).toBe(false);
      expect(r.sampling).toMatchObject({ strategy: 'random', seed: 42, jobs: 1 });
    }
    const violated = body.runs.flatMap((r) => r.properties.filter((p) => p.verdict === 'violated'));
    expect(violated.map((p) => p.name).sort()).toEqual(
      ['no-dma-of-private', 'no-longterm-pin-on-movable', 'no-pin-on-private'].sort(),
    );
    for (const p of violated) {
      const name = p.trace.replace('DIR', '');
      expect(readFileSync(join(a, name), 'utf8')).toBe(readFileSync(join(b, name), 'utf8'));
      const replay = await runCli(['replay', join(a, name)]);
      expect(replay.code).toBe(0);
    }
    const table = await runCli([...argv, '--strategy', 'random', '--seed', '42', '--walks', '60']);
    expect(table.out).toMatch(/no violation in 60 walks/);
    expect(table.out).toMatch(/random search, seed 42/);
  });

  it('bad sampling options are one-line errors with exit 2', async () => {
    for (const bad of [
      ['--strategy', 'random', '--seed', 'x'],
      ['--strategy', 'random', '--walks', '0'],
      ['--strategy', 'swarm', '--workers', '0'],
      ['--strategy', 'randm'],
      ['--seed', '3'],
      ['--strategy', 'random', '--seeds', '2'],
    ]) {
      const res = await runCli(['check', 'gunyah-longterm-pin', ...bad]);
      expect(res.code).toBe(2);
      expect(res.err.trim().split('\n')).toHaveLength(1);
    }
    expect((await runCli(['check', '--strategy', 'randm'])).err).toContain('did you mean random?');
  });

  it('swarm finds the same violations as BFS on every shipped flawed variant, whatever the worker count', async () => {
    expect(existsSync('dist/src/explore/swarmWorker.js'), "run 'npm run build' first").toBe(true);
    const flawed = models.flatMap((m) =>
      Object.entries(m.variants)
        .filter(([, v]) => v.flaws.length > 0)
        .map(([v]) => `${m.id}:${v}`),
    );
    expect(flawed.length).toBeGreaterThanOrEqual(3);
    const bfs = await runCli(['check', ...flawed, '--json']);
    const swarm = ['--strategy', 'swarm', '--seed', '9', '--walks', '30', '--seeds', '3', '--json'];
    const two = await runCli(['check', ...flawed, ...swarm]);
    expect(violatedIn(two.out)).toEqual(violatedIn(bfs.out));
    const one = await runCli(['check', ...flawed, ...swarm, '--workers', '1']);
    expect(withoutSeconds(one.out)).toEqual(withoutSeconds(two.out));
  });
});
