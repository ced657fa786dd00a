// Fuzzing the CLI entry points in-process: mutated traces (JSON mutations of real
// counterexamples), malformed files, mutated checkpoints and mutated argument vectors.
// Whatever the input: no uncaught exception, no stack trace in the output, exit 0/1/3
// for valid input and 2 (one line on stderr, no file written) for invalid input.
// A sample also runs the real CLI in child processes, where a crash, an exit 1 with a stack
// trace or an exit 4 would show as they would to a user.
// FOLIOCHECK_FUZZ_RUNS sets the number of cases per property (`npm run fuzz` runs more).
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from './helpers.js';
import { runBin, STACK } from './spawn.js';

const RUNS = Number(process.env['FOLIOCHECK_FUZZ_RUNS'] ?? '25');
/** Child processes per property: a tenth of the in-process cases, at least 3. */
const SPAWNS = Math.max(3, Math.ceil(RUNS / 10));
const TIMEOUT = Math.max(30_000, RUNS * 200);
const dir = mkdtempSync(join(tmpdir(), 'foliocheck-fuzz-'));
const outDir = join(dir, 'out');
const SMALL = 'gunyah-longterm-pin:longterm-pin';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The run obeys the CLI contract; for exit 2, nothing was written under `outDir`. */
function expectClean(r: CliRun, written: readonly string[]): void {
  expect(`${r.out}${r.err}`).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)|Error: engine|TypeError|RangeError/);
  expect([0, 1, 2, 3]).toContain(r.code);
  if (r.code === 2) {
    expect(r.err).toMatch(/^foliocheck: [^\n]+\n$/);
    expect(written).toEqual([]);
  }
}

const written = (): string[] => {
  try {
    return readdirSync(outDir);
  } catch {
    return [];
  }
};

async function runClean(argv: readonly string[]): Promise<CliRun> {
  rmSync(outDir, { recursive: true, force: true });
  const r = await runCli(argv);
  expectClean(r, written());
  return r;
}

/** Values that break validators: wrong types, huge and odd numbers, unicode, deep objects. */
/** Names valid somewhere in the tool: a mutation may land on a meaningful but wrong value. */
const known = fc.constantFrom<Json>(
  'guest-memfd-inplace',
  'gunyah-longterm-pin',
  'bench',
  'fixed',
  'no-pin-check',
  'longterm-pin',
  'no-dma-of-private',
  'converts-to-private',
  'no-longterm-pin-on-movable',
  'page-migrates',
  'always',
  'sometimes',
  'eventually',
  'possibly',
  'deadlock-free',
  'holds',
  'violated',
  'reached',
  'vmm',
  'vfio',
  'converter0',
  'faultCheck',
  'convertCommit',
  'ok',
  'EAGAIN',
  'SIGBUS',
  'page',
);

const nasty: fc.Arbitrary<Json> = fc.oneof(
  known,
  fc.constantFrom<Json>(
    null,
    true,
    false,
    0,
    -1,
    1e308,
    -1e308,
    2 ** 53,
    0.5,
    '',
    '__proto__',
    'constructor',
  ),
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.double({ noNaN: true }).map((d) => (Number.isFinite(d) ? d : 0)),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

/** One mutation at a random path: delete, replace, or (arrays) duplicate/truncate. */
function mutate(doc: Json, choices: readonly number[], value: Json): Json {
  const copy = JSON.parse(JSON.stringify(doc)) as Json;
  let node: Json = copy;
  for (let d = 0; ; d++) {
    if (node === null || typeof node !== 'object') return copy;
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) return copy;
    const c = choices[d] ?? 0;
    const key = keys[c % keys.length] as string | number;
    const child = (node as Record<string | number, Json>)[key] as Json;
    const last = d >= choices.length - 1 || child === null || typeof child !== 'object';
    if (!last) {
      node = child;
      continue;
    }
    const op = c % 4;
    if (Array.isArray(node)) {
      if (op === 0) node.splice(key as number, 1);
      else if (op === 1) node.push(child);
      else node[key as number] = value;
    } else if (op === 0) delete node[key as string];
    else node[key as string] = value;
    return copy;
  }
}

let trace: Json;
let checkpoint: Buffer;
const traceFile = join(dir, 'fuzzed.trace.json');

beforeAll(async () => {
  const src = join(dir, 'src');
  const r = await runCli(['check', 'guest-memfd-inplace:no-pin-check', '--out', src]);
  if (r.code !== 0) throw new Error(`setup: check exited ${r.code}`);
  const first = readdirSync(src).sort()[0] as string;
  trace = JSON.parse(readFileSync(join(src, first), 'utf8')) as Json;
  const cp = join(dir, 'base.checkpoint');
  const c = await runCli([
    'check',
    'guest-memfd-inplace:check-before-unmap',
    '--set',
    'folios=2',
    '--no-symmetry',
    '--max-states',
    '5000',
    '--checkpoint',
    cp,
  ]);
  // The limit stops the search: progress properties stay unknown (exit 3).
  if (c.code !== 3) throw new Error(`setup: checkpointed check exited ${c.code}`);
  checkpoint = readFileSync(cp);
});

describe('fuzz: replay', () => {
  it(
    'mutated traces: exit 0/1/2, never a crash',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), nasty), {
            minLength: 1,
            maxLength: 3,
          }),
          fc.subarray(['--json', '--force']),
          async (mutations, flags) => {
            const doc = mutations.reduce((d, [choices, value]) => mutate(d, choices, value), trace);
            writeFileSync(traceFile, JSON.stringify(doc));
            expect([0, 1, 2]).toContain((await runClean(['replay', traceFile, ...flags])).code);
          },
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );

  it(
    'malformed files: exit 2 with one line',
    async () => {
      const text = JSON.stringify(trace);
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 200 }),
            fc.nat({ max: text.length - 1 }).map((n) => text.slice(0, n)),
            fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
          ),
          async (body) => {
            writeFileSync(traceFile, body);
            const r = await runClean(['replay', traceFile]);
            expect(r.code).toBe(2);
          },
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );

  it('a valid trace still replays (the mutator starts from real input)', async () => {
    writeFileSync(traceFile, JSON.stringify(trace));
    expect((await runClean(['replay', traceFile])).code).toBe(0);
  });
});

/** The parts of a binary checkpoint (src/checkpoint.ts): signature, JSON header, store. */
function splitCheckpoint(file: Buffer): { magic: Buffer; header: Json; body: Buffer } {
  const length = file.readUInt32LE(16);
  return {
    magic: file.subarray(0, 16),
    header: JSON.parse(file.subarray(20, 20 + length).toString('utf8')) as Json,
    body: file.subarray(20 + length, file.length - 32),
  };
}

/** A checkpoint with an edited header and a valid digest, as a hand-edited file would be. */
function redigest(magic: Buffer, header: Json, body: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  const head = Buffer.concat([magic, length, json, body]);
  return Buffer.concat([head, createHash('sha256').update(head).digest()]);
}

const columns = fc.constantFrom<Json>(0, 1, 2, 1 << 20, 2 ** 31, -1, 0.5, 'x');

describe('fuzz: checkpoints', () => {
  it(
    'checkpoints with a mutated header and a valid digest: exit 2, or a resumed run',
    async () => {
      const file = join(dir, 'edited.checkpoint');
      const { magic, header, body } = splitCheckpoint(checkpoint);
      const argv = [
        'check',
        'guest-memfd-inplace:check-before-unmap',
        '--set',
        'folios=2',
        '--no-symmetry',
        '--resume',
        file,
      ];
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
          fc.oneof(nasty, columns),
          async (choices, value) => {
            writeFileSync(file, redigest(magic, mutate(header, choices, value), body));
            expect([0, 2]).toContain((await runClean(argv)).code);
          },
        ),
        { numRuns: Math.ceil(RUNS / 3) },
      );
    },
    TIMEOUT,
  );

  it(
    'mutated and truncated checkpoints: exit 2, or a resumed run',
    async () => {
      const file = join(dir, 'fuzzed.checkpoint');
      const argv = [
        'check',
        'guest-memfd-inplace:check-before-unmap',
        '--set',
        'folios=2',
        '--no-symmetry',
        '--resume',
        file,
      ];
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: checkpoint.length - 1 }),
          fc.uint8Array({ maxLength: 3 }),
          async (at, ins) => {
            writeFileSync(
              file,
              Buffer.concat([checkpoint.subarray(0, at), ins, checkpoint.subarray(at + 1)]),
            );
            expect([0, 1, 2, 3]).toContain((await runClean(argv)).code);
          },
        ),
        { numRuns: Math.ceil(RUNS / 5) },
      );
    },
    TIMEOUT,
  );
});

const flagNames = [
  '--set',
  '--max-depth',
  '--max-states',
  '--strategy',
  '--engine',
  '--no-symmetry',
  '--out',
  '--json',
  '--force',
  '--checkpoint',
  '--resume',
  '--checkpoint-every',
  '--max-local-states',
  '--help',
  '--bogus',
  '-x',
  '--',
  '--set=pages',
  '--json=1',
];
const values = fc.oneof(
  fc.constantFrom(
    'pages=2',
    'pages=99',
    'pages=-1',
    'pages=1e3',
    'nope=1',
    '=',
    '0',
    '1',
    '-5',
    '9007199254740993',
    '1.5',
    'bfs',
    'dfs',
    'interpret',
    'compiled',
    'fast',
    SMALL,
    'bench:nope',
    'nope',
    'a:b:c',
    ':',
    outDir,
    join(outDir, 'cp.json'),
    '',
  ),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);

describe('fuzz: argument vectors', () => {
  it(
    'mutated argv for every command: exit 0/1/2/3, never a crash, nothing written on exit 2',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('check', 'replay', 'list', 'guards', 'chek', ''),
          fc.array(fc.oneof(fc.constantFrom(...flagNames), values), { maxLength: 6 }),
          async (command, raw) => {
            // Keep valid runs small (a small model, a state bound) and every file they may
            // write inside the scratch directory.
            const rest = raw.map((a, i) =>
              ['--out', '--checkpoint'].includes(raw[i - 1] ?? '') && !a.startsWith('/')
                ? join(outDir, a)
                : a,
            );
            const argv =
              command === 'check' || command === 'guards'
                ? [
                    command,
                    SMALL,
                    ...rest,
                    ...(command === 'check' ? ['--max-states', '20000'] : ['--max-local-states', '64']),
                  ]
                : [command, ...rest];
            expect([0, 1, 2, 3]).toContain((await runClean(argv)).code);
          },
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );
});

/**
 * What is wrong with how a child ended: not by the CLI itself, an undocumented code, a
 * stack trace, or an exit 2 that is not one line. Empty for a clean exit.
 */
function exitProblems(r: Awaited<ReturnType<typeof runBin>>): string[] {
  return [
    ...(r.signal === null ? [] : [`killed by ${r.signal}`]),
    ...([0, 1, 2, 3].includes(r.code ?? -1) ? [] : [`exit ${r.code}: ${r.err}`]),
    ...(STACK.test(`${r.out}${r.err}`) ? [`stack trace: ${r.err}`] : []),
    ...(r.code !== 2 || /^foliocheck: [^\n]+\n$/.test(r.err) ? [] : [`exit 2 without one line: ${r.err}`]),
  ];
}

describe('fuzz: the real CLI in child processes', () => {
  it(
    'mutated traces replayed by the CLI',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), nasty), {
            minLength: 1,
            maxLength: 3,
          }),
          async (mutations) => {
            const doc = mutations.reduce((d, [choices, value]) => mutate(d, choices, value), trace);
            const file = join(dir, `spawned-${process.pid}.trace.json`);
            writeFileSync(file, JSON.stringify(doc));
            expect(exitProblems(await runBin(['replay', file]))).toEqual([]);
          },
        ),
        { numRuns: SPAWNS },
      );
    },
    TIMEOUT,
  );

  it(
    'mutated argument vectors',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('check', 'replay', 'list', 'merge', 'chek'),
          fc.array(fc.oneof(fc.constantFrom(...flagNames), values), { maxLength: 5 }),
          async (command, raw) => {
            const rest = raw.map((a, i) =>
              ['--out', '--checkpoint'].includes(raw[i - 1] ?? '') && !a.startsWith('/')
                ? join(outDir, a)
                : a,
            );
            const argv =
              command === 'check' ? [command, SMALL, ...rest, '--max-states', '20000'] : [command, ...rest];
            expect(exitProblems(await runBin(argv))).toEqual([]);
          },
        ),
        { numRuns: SPAWNS },
      );
    },
    TIMEOUT,
  );
});
