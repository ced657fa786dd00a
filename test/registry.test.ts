// Models from anywhere: a model file named on the command line, the models a project config
// lists (found upward from the working directory, or --config), the shipped catalogue by
// name; traces that record where their model came from; and the one-line errors for an
// unknown model, an unknown flaw id and a bad config.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const REPO = process.cwd();
const FIXTURE = resolve('test/fixtures/project');
const MODEL = join(FIXTURE, 'models/convert.ts');

function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `foliocheck-${prefix}-`));
}

/** A copy of the fixture project in a temporary directory (its model imports the repo's sources). */
function projectCopy(): string {
  const dir = tmp('project');
  cpSync(FIXTURE, dir, { recursive: true });
  const model = join(dir, 'models/convert.ts');
  const src = resolve('src/index.js').split('\\').join('/');
  writeFileSync(model, readFileSync(model, 'utf8').replace("'../../../../src/index.js'", `'${src}'`));
  return dir;
}

function expectOneLine(err: string, ...fragments: string[]): void {
  expect(err.trimEnd().split('\n')).toHaveLength(1);
  for (const f of fragments) expect(err).toContain(f);
}

describe('model files', () => {
  it('check FILE:VARIANT loads a TypeScript model and judges it', async () => {
    const run = await runCli(['check', `${MODEL}:check-then-commit`, '--json'], {}, FIXTURE);
    expect({ code: run.code, output: run.err }).toMatchObject({ code: 0 });
    const body = JSON.parse(run.out) as {
      runs: { model: string; variant: string; properties: { verdict: string }[] }[];
    };
    expect(body.runs.map((r) => `${r.model}:${r.variant}`)).toEqual(['fixture-convert:check-then-commit']);
    expect(body.runs[0]?.properties.map((p) => p.verdict)).toEqual(['violated', 'holds', 'reached']);
  });

  it('a trace records its model file relative to itself; replay, shrink and export find it from anywhere', async () => {
    const out = tmp('traces');
    const check = await runCli(['check', `${MODEL}:check-then-commit`, '--out', out], {}, FIXTURE);
    expect({ code: check.code, output: check.err }).toMatchObject({ code: 0 });
    const file = join(out, 'fixture-convert.check-then-commit.no-pin-on-private.trace.json');
    const trace = JSON.parse(readFileSync(file, 'utf8')) as { source: { file: string } };
    expect(resolve(out, trace.source.file)).toBe(MODEL);
    const elsewhere = tmp('cwd');
    // The fixture's flaw ids are in its own catalogue: name its config from elsewhere.
    const config = ['--config', join(FIXTURE, 'foliocheck.config.json')];
    const replay = await runCli(['replay', file, ...config], {}, elsewhere);
    expect({ code: replay.code, output: replay.err }).toMatchObject({ code: 0 });
    expect(replay.out).toContain('reproduced');
    const shrunk = join(tmp('shrunk'), 'x.trace.json');
    expect((await runCli(['shrink', file, '--out', shrunk, ...config], {}, elsewhere)).code).toBe(0);
    const again = JSON.parse(readFileSync(shrunk, 'utf8')) as { source: { file: string } };
    expect(resolve(shrunk, '..', again.source.file)).toBe(MODEL);
    expect((await runCli(['replay', shrunk, ...config], {}, elsewhere)).code).toBe(0);
    const exported = await runCli(['export', file, '--format', 'itf', ...config], {}, elsewhere);
    expect({ code: exported.code, output: exported.err }).toMatchObject({ code: 0 });
  });

  it('a trace moved away from its model is found by name through the config, else a one-line error', async () => {
    const project = projectCopy();
    const out = join(project, 'traces');
    expect(
      (await runCli(['check', 'fixture-convert:check-then-commit', '--out', out], {}, project)).code,
    ).toBe(0);
    const moved = join(tmp('moved'), 't.trace.json');
    renameSync(join(out, 'fixture-convert.check-then-commit.no-pin-on-private.trace.json'), moved);
    expect((await runCli(['replay', moved], {}, project)).code).toBe(0);
    const lost = await runCli(['replay', moved], {}, tmp('empty'));
    expect(lost.code).toBe(2);
    expectOneLine(lost.err, 'models/convert.ts', 'does not exist', 'fixture-convert');
  });

  it('a shipped model is recorded by catalogue name and replays from any directory', async () => {
    const out = tmp('traces');
    expect((await runCli(['check', 'gunyah-longterm-pin:longterm-pin', '--out', out])).code).toBe(0);
    const file = join(out, 'gunyah-longterm-pin.longterm-pin.no-longterm-pin-on-movable.trace.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ source: { catalogue: 'foliocheck' } });
    expect((await runCli(['replay', file], {}, tmp('cwd'))).code).toBe(0);
  });

  it('report FILE writes the report of a model file, its traces recording the file', async () => {
    const out = tmp('report');
    const run = await runCli(['report', MODEL, '--out', out], {}, FIXTURE);
    expect({ code: run.code, output: run.err }).toMatchObject({ code: 0 });
    // One report per design: DIR/<model>/index.md.
    expect(readFileSync(join(out, 'fixture-convert', 'index.md'), 'utf8')).toContain('fixture-convert');
    const trace = JSON.parse(
      readFileSync(
        join(out, 'traces', 'fixture-convert.check-then-commit.no-pin-on-private.trace.json'),
        'utf8',
      ),
    ) as { source: { file: string } };
    expect(resolve(out, 'traces', trace.source.file)).toBe(MODEL);
  });

  it('a path that is not a model file is a usage error, not an unknown model', async () => {
    const run = await runCli(['check', 'models/convert']);
    expect(run.code).toBe(2);
    expectOneLine(run.err, "'models/convert' looks like a path", '.ts');
  });

  it('swarm workers load the model file too', async () => {
    const run = await runCli(
      [
        'check',
        `${MODEL}:check-then-commit`,
        '--strategy',
        'swarm',
        '--workers',
        '2',
        '--seeds',
        '2',
        '--json',
      ],
      {},
      FIXTURE,
    );
    // Sampling never proves an invariant, so the run ends 'unknown' (exit 3), with the violation found.
    expect({ code: run.code, output: run.err }).toMatchObject({ code: 3 });
    const body = JSON.parse(run.out) as { runs: { properties: { name: string; verdict: string }[] }[] };
    expect(body.runs[0]?.properties.find((p) => p.name === 'no-pin-on-private')?.verdict).toBe('violated');
  });
});

describe('project config', () => {
  it('found upward from the working directory: check and list with no model take its models', async () => {
    const project = projectCopy();
    const sub = join(project, 'deep', 'er');
    mkdirSync(sub, { recursive: true });
    const check = await runCli(['check', '--json'], {}, sub);
    expect({ code: check.code, output: check.err }).toMatchObject({ code: 0 });
    const runs = (JSON.parse(check.out) as { runs: { model: string; variant: string }[] }).runs;
    expect(runs.map((r) => r.variant)).toEqual(['atomic', 'recheck', 'check-then-commit', 'unchecked']);
    expect(new Set(runs.map((r) => r.model))).toEqual(new Set(['fixture-convert']));
    const list = await runCli(['list'], {}, sub);
    expect(list.out).toMatch(/^fixture-convert — /);
    // The shipped catalogue stays reachable by name.
    expect((await runCli(['check', 'gunyah-longterm-pin:fault-time-share'], {}, sub)).code).toBe(0);
  });

  it('--config FILE names the config; without any config, no-argument commands take the shipped catalogue', async () => {
    const empty = tmp('empty');
    const list = await runCli(['list', '--json'], {}, empty);
    const ids = (JSON.parse(list.out) as { models: { id: string }[] }).models.map((m) => m.id);
    expect(ids).toContain('guest-memfd-inplace');
    expect(ids).not.toContain('fixture-convert');
    const named = await runCli(
      ['list', '--json', '--config', join(FIXTURE, 'foliocheck.config.json')],
      {},
      empty,
    );
    expect((JSON.parse(named.out) as { models: { id: string }[] }).models.map((m) => m.id)).toEqual([
      'fixture-convert',
    ]);
  });

  it('a bad config is one line naming the file and what is wrong', async () => {
    const dir = tmp('badconfig');
    const cases: [string, string, string][] = [
      ['foliocheck.config.json', '{ "models": [', 'not valid JSON'],
      ['foliocheck.config.json', '{ "model": ["x.ts"] }', "unknown key 'model'"],
      ['foliocheck.config.json', '{ "models": ["nothing/*.ts"] }', "'nothing/*.ts' matches no file"],
      ['foliocheck.config.mjs', 'export default { models: 3 };', "'models' must be a list"],
    ];
    for (const [name, text, message] of cases) {
      const d = mkdtempSync(join(dir, 'c-'));
      writeFileSync(join(d, name), text);
      const run = await runCli(['list'], {}, d);
      expect(run.code).toBe(2);
      expectOneLine(run.err, name, message);
    }
  });
});

describe('one-line errors', () => {
  it('an unknown flaw id in a variant is an error naming the nearest ids, never dropped', async () => {
    const project = projectCopy();
    const model = join(project, 'models/convert.ts');
    writeFileSync(model, readFileSync(model, 'utf8').replace("flaws: ['X1']", "flaws: ['x1']"));
    const run = await runCli(['check'], {}, project);
    expect(run.code).toBe(2);
    expectOneLine(run.err, "unknown flaw id 'x1'", 'fixture-convert:check-then-commit', 'nearest ids: X1, ');
  });

  it('a model may be a named export', async () => {
    const project = projectCopy();
    const model = join(project, 'models/convert.ts');
    writeFileSync(
      model,
      readFileSync(model, 'utf8').replace('export default defineModel', 'export const convert = defineModel'),
    );
    const run = await runCli(['list', '--json'], {}, project);
    expect({ code: run.code, output: run.err }).toMatchObject({ code: 0 });
    expect((JSON.parse(run.out) as { models: { id: string }[] }).models.map((m) => m.id)).toEqual([
      'fixture-convert',
    ]);
  });

  it('a file that exports no model, or does not load, says so', async () => {
    const dir = tmp('nomodel');
    writeFileSync(join(dir, 'empty.mjs'), 'export const x = 1;\n');
    writeFileSync(join(dir, 'broken.mjs'), 'throw new Error("boom");\n');
    const none = await runCli(['check', join(dir, 'empty.mjs')]);
    expect(none.code).toBe(2);
    expectOneLine(none.err, 'exports no model', 'export default defineModel');
    const broken = await runCli(['check', join(dir, 'broken.mjs')]);
    expect(broken.code).toBe(2);
    expectOneLine(broken.err, 'cannot load model file', 'boom');
    const missing = await runCli(['check', join(dir, 'missing.ts')]);
    expect(missing.code).toBe(2);
    expectOneLine(missing.err, 'no such file');
  });

  it('an unknown model lists the nearest names; from dist/ with a model source newer than its build, it says to rebuild', async () => {
    const run = await runCli(['check', 'guest-memfd-inplac']);
    expect(run.code).toBe(2);
    expectOneLine(run.err, "did you mean 'guest-memfd-inplace'?", 'guest-memfd-flags');
    const source = resolve('models/bench.ts');
    const { atime, mtime } = statSync(source);
    const future = new Date(Date.now() + 3_600_000);
    utimesSync(source, future, future);
    try {
      let err = '';
      try {
        execFileSync(process.execPath, [join(REPO, 'dist/src/bin.js'), 'check', 'no-such-model'], {
          cwd: REPO,
          stdio: 'pipe',
        });
      } catch (e) {
        err = String((e as { stderr: Buffer }).stderr);
      }
      expectOneLine(
        err,
        "unknown model 'no-such-model'",
        'models/bench.ts is newer than its build',
        'npm run build',
      );
    } finally {
      utimesSync(source, atime, mtime);
    }
  });
});
