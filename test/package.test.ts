// foliocheck as a user gets it: `npm pack` the repository, install the tarball into an empty
// project outside the repository, write a model there, check it by file path (the flawed
// variant has a counterexample, the fix holds), replay the trace it wrote, type-check the
// model against the package's declarations, then scaffold a project with `foliocheck init`
// and run its vitest test. One install serves every step. foliocheck's tree is not touched.
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = process.cwd();
const version = (pkg: string): string =>
  (JSON.parse(readFileSync(join(REPO, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string })
    .version;

/** The environment of a user's shell: no npm or vitest variables inherited from `npm test`. */
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(npm_|VITEST|TEST$|NODE_OPTIONS$)/i.test(k)),
);

interface Result {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

function run(cmd: string, args: readonly string[], cwd: string): Result {
  const opts: ExecFileSyncOptions = { cwd, env, stdio: 'pipe', encoding: 'utf8', timeout: 240_000 };
  try {
    return { code: 0, out: execFileSync(cmd, args, opts) as unknown as string, err: '' };
  } catch (e) {
    const x = e as { status: number | null; stdout: string; stderr: string };
    return { code: x.status ?? -1, out: x.stdout, err: x.stderr };
  }
}

/** A model of a user's own design: a reader looks a file up, then uses it; a closer frees it. */
const MODEL = `import { setup } from 'xstate';
import { always, defineModel, participant, sometimes, worldEvent } from 'foliocheck';

type FileEvent = { type: 'lookup' } | { type: 'use' } | { type: 'close'; waitForReaders: boolean };

/** A file a reader looks up and then uses, and a closer frees. */
const file = setup({ types: { events: {} as FileEvent } }).createMachine({
  id: 'file',
  initial: 'open',
  states: {
    open: { on: { lookup: { target: 'looked' }, close: { target: 'freed' } } },
    looked: {
      on: {
        use: { target: 'open' },
        // synchronize_srcu(): with waitForReaders the close waits while a reader holds its lookup.
        close: { guard: ({ event }) => !event.waitForReaders, target: 'freedWhileLooked' },
      },
    },
    freedWhileLooked: { on: { use: { target: 'usedAfterFree' } } },
    freed: {},
    usedAfterFree: {},
  },
});

export default defineModel({
  id: 'file-release',
  title: 'A file freed while a reader holds its lookup',
  summary: 'A reader looks a file up, then uses it; a closer frees it. fixed waits for readers; no-wait does not.',
  sources: ['written by the package test'],
  params: {},
  variants: {
    fixed: { doc: 'close waits for readers', flaws: [], expect: { 'no-use-after-free': 'holds', 'file-freed': 'reached' } },
    'no-wait': {
      doc: 'close frees at once',
      flaws: ['F29'],
      fixedBy: 'fixed',
      expect: { 'no-use-after-free': 'violated', 'file-freed': 'reached' },
    },
  },
  properties: [
    always('no-use-after-free', 'a reader never uses a freed file', (w) => !w.get('file').matches('usedAfterFree')),
    sometimes('file-freed', 'the file can be freed', (w) => w.get('file').matches('freed')),
  ],
  build(_params, variant) {
    return {
      machines: [{ id: 'file', machine: file }],
      events: [
        worldEvent('reader', 'lookup', {}, [participant('file', { type: 'lookup' })]),
        worldEvent('reader', 'use', {}, [participant('file', { type: 'use' })]),
        worldEvent('closer', 'close', { wait: variant === 'fixed' }, [
          participant('file', { type: 'close', waitForReaders: variant === 'fixed' }),
        ]),
      ],
    };
  },
});
`;

const gitStatus = (): string =>
  execFileSync('git', ['status', '--porcelain'], { cwd: REPO, encoding: 'utf8' });

describe('the packed tarball in a project outside the repository', () => {
  let root = '';
  let bin = '';
  let statusBefore = '';

  beforeAll(() => {
    statusBefore = gitStatus();
    root = mkdtempSync(join(tmpdir(), 'foliocheck-pack-'));
    // dist/ is built by `npm test` before vitest runs; --ignore-scripts skips a second build.
    const pack = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], REPO);
    if (pack.code !== 0) throw new Error(`npm pack failed: ${pack.err}`);
    const [{ filename }] = JSON.parse(pack.out) as [{ filename: string }];
    // An `npm init -y` project: CommonJS by default, so the model below loads in a CommonJS package.
    writeFileSync(
      join(root, 'package.json'),
      JSON.stringify({ name: 'user-project', private: true, type: 'commonjs' }),
    );
    const install = run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        join(root, filename),
        `xstate@${version('xstate')}`,
        `vitest@${version('vitest')}`,
      ],
      root,
    );
    if (install.code !== 0) throw new Error(`npm install failed: ${install.err}`);
    bin = join(root, 'node_modules', '.bin', 'foliocheck');
  }, 300_000);

  afterAll(() => {
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });

  it('ships the built engine, library, declarations, catalogue and templates, and no sources or tests', () => {
    const pkg = join(root, 'node_modules', 'foliocheck');
    for (const f of [
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/testing.d.ts',
      'dist/models/machines/index.d.ts',
      'dist/properties/index.d.ts',
      'catalogue/flaws.json',
      'foliocheck.config.json',
      'templates/init/models/pin-vs-convert.ts',
      'templates/init/.github/workflows/foliocheck.yml',
    ])
      expect(readdirSync(join(pkg, f, '..'))).toContain(f.split('/').pop());
    expect(readdirSync(pkg)).not.toContain('src');
    expect(readdirSync(join(pkg, 'dist'))).not.toContain('test');
  });

  it('checks a model file by path: the flawed variant has a counterexample, the fix holds; the trace replays', () => {
    writeFileSync(join(root, 'model.ts'), MODEL);
    const check = run(bin, ['check', 'model.ts', '--out', 'traces'], root);
    expect({ code: check.code, output: check.err + check.out }).toMatchObject({ code: 0 });
    expect(check.out).toMatch(/file-release\s+fixed\s+no-use-after-free\s+holds\s+holds\s+ok/);
    expect(check.out).toMatch(/file-release\s+no-wait\s+no-use-after-free\s+violated\s+violated\s+ok/);
    const trace = 'traces/file-release.no-wait.no-use-after-free.trace.json';
    expect(check.out).toContain(`counterexample: ${trace}`);
    expect(JSON.parse(readFileSync(join(root, trace), 'utf8'))).toMatchObject({
      source: { file: '../model.ts' },
    });
    const replay = run(bin, ['replay', trace], root);
    expect({ code: replay.code, output: replay.err }).toMatchObject({ code: 0 });
    expect(replay.out).toContain("reproduced: always 'no-use-after-free' is violated");
    const variant = run(bin, ['check', 'model.ts:fixed', '--json'], root);
    expect(JSON.parse(variant.out)).toMatchObject({ ok: true, runs: [{ variant: 'fixed' }] });
  });

  it('exposes typed entry points: the model and the library type-check against the declarations', () => {
    writeFileSync(
      join(root, 'library.ts'),
      `import { pageMachine, sequentialActor } from 'foliocheck/machines';
import { noHostMapOfPrivate } from 'foliocheck/properties';
import { expectVerdicts } from 'foliocheck/testing';
import type { ModelDef } from 'foliocheck';
import model from './model.js';
export const used: unknown[] = [pageMachine, sequentialActor, noHostMapOfPrivate, expectVerdicts];
export const typed: ModelDef = model;
`,
    );
    writeFileSync(
      join(root, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', strict: true, noEmit: true, skipLibCheck: true, types: [] },
        files: ['model.ts', 'library.ts'],
      }),
    );
    const tsc = run(
      process.execPath,
      [resolve(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
      root,
    );
    expect({ code: tsc.code, output: tsc.out + tsc.err }).toMatchObject({ code: 0 });
    const load = run(
      process.execPath,
      [
        '-e',
        "import('foliocheck/machines').then((m) => console.log(typeof m.pageMachine, typeof m.locks.srcuMachine))",
      ],
      root,
    );
    expect(load.out.trim()).toBe('object object');
  });

  it('init scaffolds a project whose check and vitest test pass as generated', () => {
    const init = run(bin, ['init', 'app'], root);
    expect({ code: init.code, output: init.err }).toMatchObject({ code: 0 });
    const app = join(root, 'app');
    const check = run(bin, ['check'], app);
    expect({ code: check.code, output: check.err + check.out }).toMatchObject({ code: 0 });
    expect(check.out).toMatch(
      /pin-vs-convert\s+check-then-commit\s+no-pin-on-private\s+violated\s+violated\s+ok/,
    );
    const vitest = run(join(root, 'node_modules', '.bin', 'vitest'), ['run'], app);
    expect({ code: vitest.code, output: vitest.out + vitest.err }).toMatchObject({ code: 0 });
    expect(vitest.out).toMatch(/1 passed/);
    const again = run(bin, ['init', 'app'], root);
    expect(again.code).toBe(2);
  });

  it("leaves foliocheck's tree as it was", () => {
    expect(gitStatus()).toBe(statusBefore);
  });
});
