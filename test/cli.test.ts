// The CLI as a user meets it: list, check, replay, exit codes, and one-line errors for
// bad input that leave no file behind.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'foliocheck-test-'));

function expectOneLineError(run: { code: number; out: string; err: string }, ...fragments: string[]): void {
  expect(run.code).toBe(2);
  expect(run.out).toBe('');
  const lines = run.err.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  for (const f of fragments) expect(run.err).toContain(f);
  expect(run.err).not.toMatch(/\n\s+at /);
}

describe('list', () => {
  it('describes every model, variant, parameter and property as JSON', async () => {
    const run = await runCli(['list', '--json']);
    expect(run.code).toBe(0);
    const body = JSON.parse(run.out) as {
      models: {
        id: string;
        variants: { name: string; flaws: string[] }[];
        params: object;
        properties: { name: string; kind: string }[];
      }[];
    };
    const gm = body.models.find((m) => m.id === 'guest-memfd-inplace');
    expect(gm?.variants.map((v) => v.name)).toEqual([
      'fixed',
      'no-pin-check',
      'check-before-unmap',
      'no-lru-drain',
    ]);
    expect(gm?.variants.find((v) => v.name === 'no-pin-check')?.flaws).toEqual(['F6']);
    expect(Object.keys(gm?.params ?? {})).toEqual(['folios', 'pagesPerFolio', 'converters']);
    expect(body.models.map((m) => m.id)).toContain('gunyah-longterm-pin');
  });
  it('prints text with defaults and ranges', async () => {
    const run = await runCli(['list']);
    expect(run.out).toContain('pages=2  (1..8) number of pages (N)');
  });
});

describe('check', () => {
  it('prints the JSON shape of the issue, with trace files for violations', async () => {
    const dir = tmp();
    const run = await runCli(['check', 'guest-memfd-inplace', '--json', '--out', dir]);
    expect(run.code).toBe(0);
    const body = JSON.parse(run.out) as {
      ok: boolean;
      runs: {
        model: string;
        variant: string;
        params: object;
        flaws: string[];
        complete: boolean;
        states: number;
        transitions: number;
        depth: number;
        seconds: number;
        properties: { name: string; kind: string; verdict: string; expected: string; trace: string | null }[];
      }[];
    };
    expect(body.ok).toBe(true);
    expect(body.runs.map((r) => r.variant)).toEqual([
      'fixed',
      'no-pin-check',
      'check-before-unmap',
      'no-lru-drain',
    ]);
    const f7 = body.runs[2];
    expect(f7?.flaws).toEqual(['F7']);
    expect(f7?.complete).toBe(true);
    const prop = f7?.properties.find((p) => p.name === 'no-host-map-of-private');
    expect(prop).toMatchObject({ kind: 'always', verdict: 'violated', expected: 'violated' });
    expect(prop?.trace).toBe(
      join(dir, 'guest-memfd-inplace.check-before-unmap.no-host-map-of-private.trace.json'),
    );
    expect(body.runs[1]?.properties.filter((p) => p.trace !== null).map((p) => p.name)).toEqual([
      'no-pin-on-private',
      'no-dma-of-private',
    ]);
    expect(readdirSync(dir)).toHaveLength(
      body.runs.flatMap((r) => r.properties).filter((p) => p.verdict === 'violated').length,
    );
  });
  it('is deterministic: the same command writes byte-identical traces', async () => {
    const a = tmp();
    const b = tmp();
    await runCli(['check', 'guest-memfd-inplace:no-pin-check', '--out', a]);
    await runCli(['check', 'guest-memfd-inplace:no-pin-check', '--out', b]);
    const files = readdirSync(a);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readFileSync(join(b, f), 'utf8')).toBe(readFileSync(join(a, f), 'utf8'));
  });
  it('prints a table and exits 0 when every verdict is as expected', async () => {
    const run = await runCli(['check', 'bench', '--set', 'pages=1']);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/bench\s+spec\s+no-pin-on-private\s+holds\s+holds\s+ok\s+22\s+66\s+5/);
  });
  it('exits 3 when a limit leaves verdicts unknown', async () => {
    const run = await runCli(['check', 'bench', '--set', 'pages=4', '--max-states', '5000', '--no-symmetry']);
    expect(run.code).toBe(3);
    expect(run.out).toContain('unknown');
    expect(run.out).toContain('max-states');
  });
  it('reads "holds up to depth N" when --max-depth cuts the search', async () => {
    const run = await runCli(['check', 'bench', '--max-depth', '3', '--json']);
    const body = JSON.parse(run.out) as { runs: { complete: boolean; properties: { verdict: string }[] }[] };
    expect(run.code).toBe(0);
    expect(body.runs[0]?.complete).toBe(false);
    expect(body.runs[0]?.properties[0]?.verdict).toBe('holds');
    const text = await runCli(['check', 'bench', '--max-depth', '3']);
    expect(text.out).toContain('holds up to depth 3');
  });
});

describe('bad input: one line, exit 2, nothing written', () => {
  it('unknown command', async () => {
    expectOneLineError(await runCli(['chek']), "unknown command 'chek'", "did you mean 'check'");
  });
  it('unknown model', async () => {
    expectOneLineError(
      await runCli(['check', 'guest-memfd-inplac']),
      "unknown model 'guest-memfd-inplac'",
      'did you mean',
    );
  });
  it('unknown variant', async () => {
    expectOneLineError(
      await runCli(['check', 'guest-memfd-inplace:fixd']),
      "unknown variant of guest-memfd-inplace 'fixd'",
      "'fixed'",
    );
  });
  it('unknown parameter', async () => {
    expectOneLineError(
      await runCli(['check', 'bench', '--set', 'page=3']),
      "no selected model has a parameter 'page'",
    );
  });
  it('parameter out of range or not an integer', async () => {
    expectOneLineError(await runCli(['check', 'bench', '--set', 'pages=99']), 'between 1 and 8');
    expectOneLineError(await runCli(['check', 'bench', '--set', 'pages=two']), 'must be an integer');
  });
  it('unknown flag and bad flag values', async () => {
    expectOneLineError(
      await runCli(['check', '--max-dept', '3']),
      "unknown option '--max-dept'",
      '--max-depth',
    );
    expectOneLineError(await runCli(['check', '--strategy', 'bsf']), 'bfs, dfs');
    expectOneLineError(await runCli(['check', '--max-depth', '-1']), '--max-depth');
  });
  it('writes nothing when the input is bad', async () => {
    const dir = join(tmp(), 'out');
    expectOneLineError(
      await runCli(['check', 'guest-memfd-inplace:nope', 'bench', '--out', dir]),
      'unknown variant',
    );
    expect(() => readdirSync(dir)).toThrow('ENOENT');
  });
});

async function recordTrace(): Promise<string> {
  const dir = tmp();
  await runCli(['check', 'guest-memfd-inplace:check-before-unmap', '--out', dir]);
  return join(dir, 'guest-memfd-inplace.check-before-unmap.no-host-map-of-private.trace.json');
}

describe('replay', () => {
  it('prints each event, outcome and touched machines, and reproduces the violation', async () => {
    const file = await recordTrace();
    const run = await runCli(['replay', file]);
    expect(run.code).toBe(0);
    expect(run.out).toContain('converter0: convertCommit(page=0)');
    expect(run.out).toContain('page0: attr=private');
    expect(run.out).toContain("reproduced: always 'no-host-map-of-private' is violated in the final state");
    const json = JSON.parse((await runCli(['replay', file, '--json'])).out) as {
      ok: boolean;
      steps: { outcome: string; machines: object }[];
    };
    expect(json.ok).toBe(true);
    expect(json.steps).toHaveLength(4);
  });
  it('exits 1 and names the first divergent event when a recorded outcome differs', async () => {
    const file = await recordTrace();
    const trace = JSON.parse(readFileSync(file, 'utf8')) as { events: { outcome: string }[] };
    (trace.events[1] as { outcome: string }).outcome = 'EAGAIN';
    writeFileSync(file, JSON.stringify(trace));
    const run = await runCli(['replay', file]);
    expect(run.code).toBe(1);
    expect(run.out).toContain('DIVERGED at event 1');
    expect(run.out).toContain("recorded 'EAGAIN'");
  });
  it('rejects a trace of another model version (fingerprint) unless --force', async () => {
    const file = await recordTrace();
    const trace = JSON.parse(readFileSync(file, 'utf8')) as { fingerprint: string };
    trace.fingerprint = '0000000000000000';
    writeFileSync(file, JSON.stringify(trace));
    expectOneLineError(await runCli(['replay', file]), 'fingerprint 0000000000000000', '--force');
    const forced = await runCli(['replay', file, '--force']);
    expect(forced.code).toBe(0);
    expect(forced.out).toContain('the model changed');
  });
  it('rejects malformed traces with the JSON path', async () => {
    const dir = tmp();
    const bad = join(dir, 'bad.trace.json');
    writeFileSync(bad, '{ not json');
    expectOneLineError(await runCli(['replay', bad]), 'not valid JSON');
    const file = await recordTrace();
    const trace = JSON.parse(readFileSync(file, 'utf8')) as { events: { args: unknown }[] };
    (trace.events[2] as { args: unknown }).args = { page: { nested: true } };
    writeFileSync(bad, JSON.stringify(trace));
    expectOneLineError(await runCli(['replay', bad]), '$.events[2].args.page');
    expectOneLineError(await runCli(['replay', join(dir, 'missing.json')]), 'no such file');
  });
  it('rejects a trace naming an unknown model or property', async () => {
    const file = await recordTrace();
    const trace = JSON.parse(readFileSync(file, 'utf8')) as { model: string; property: { name: string } };
    trace.property.name = 'no-host-map';
    writeFileSync(file, JSON.stringify(trace));
    expectOneLineError(
      await runCli(['replay', file]),
      "unknown property of guest-memfd-inplace 'no-host-map'",
    );
    trace.model = 'gunyah';
    writeFileSync(file, JSON.stringify(trace));
    expectOneLineError(await runCli(['replay', file]), "unknown model 'gunyah'");
  });
});
