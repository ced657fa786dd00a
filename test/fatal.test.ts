// A fatal error is never a verdict: unexpected exceptions and running out of memory exit 4
// with one line on stderr (the stack only with --debug); output destinations are checked
// before the search; a file that cannot be written after the search still lets the
// results be printed, then exit 4.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import bench from '../models/bench.js';
import { checkRunAsync } from '../src/check.js';
import { main } from '../src/cli.js';
import type { Io } from '../src/commands/io.js';
import { commandStatus } from '../src/commands/results.js';
import { fatalLine } from '../src/errors.js';
import { runCli } from './helpers.js';
import { runBin, STACK } from './spawn.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'foliocheck-fatal-'));

/** An Io whose stdout fails the first time it is written to, like a closed pipe. */
function brokenStdout(): { io: Io; err: () => string } {
  let err = '';
  return {
    io: {
      out: () => {
        throw new TypeError('write after end');
      },
      err: (t) => void (err += t),
      isTTY: false,
      env: {},
      cwd: process.cwd(),
    },
    err: () => err,
  };
}

describe('fatal errors', () => {
  it('an unexpected exception exits 4 with one line, the stack only with --debug', async () => {
    const plain = brokenStdout();
    expect(await main(['check', 'bench'], plain.io)).toBe(4);
    expect(plain.err()).toMatch(/^foliocheck: internal error: TypeError: write after end; exit 4 .*\n$/);
    expect(plain.err()).not.toMatch(STACK);
    const debug = brokenStdout();
    expect(await main(['check', 'bench', '--debug'], debug.io)).toBe(4);
    expect(debug.err()).toMatch(/\n\s+at /);
    // --debug is global: before the command's name too.
    const first = brokenStdout();
    expect(await main(['--debug', 'check', 'bench'], first.io)).toBe(4);
    expect(first.err()).toMatch(/\n\s+at /);
  });

  it('allocation failures read as out of memory', () => {
    for (const message of [
      'Array buffer allocation failed',
      'Invalid string length',
      'Invalid typed array length: 4294967296',
    ])
      expect(fatalLine(new RangeError(message))).toMatch(/^foliocheck: out of memory: RangeError: /);
    expect(fatalLine(new RangeError('Maximum call stack size exceeded'))).toMatch(/internal error/);
  });

  it('a real out-of-memory in a child: the heap guard stops the search before V8 aborts, exit 4 with partial figures', async () => {
    // A 48 MB old generation and the interpreting engine, which keeps states on the
    // JavaScript heap, fill the heap in seconds. Measured against heap_size_limit (which
    // counts 48 MB of young generation) the guard never fired: V8 thrashed for minutes,
    // then aborted (exit 134).
    const r = await runBin(
      ['check', 'bench', '--set', 'pages=6', '--no-symmetry', '--engine', 'interpret', '--json'],
      { node: ['--max-old-space-size=48'] },
    );
    expect([r.code, r.signal]).toEqual([4, null]);
    const run = (
      JSON.parse(r.out) as {
        runs: { stopReason: string; states: number; properties: { verdict: string }[] }[];
      }
    ).runs[0];
    expect(run?.stopReason).toBe('out-of-memory');
    expect(run?.states).toBeGreaterThan(1);
    expect(run?.properties.every((p) => p.verdict === 'unknown')).toBe(true);
    expect(r.err).toMatch(
      /^foliocheck: out of memory \(bench:spec after \d+ states, depth \d+\): [^\n]*; exit 4\n$/m,
    );
    expect(r.err).not.toMatch(STACK);
  });

  it("the heap guard measures the old generation's own limit", async () => {
    const stop = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'src', 'stop.js')).href;
    const script = `const m = await import('${stop}'); console.log(m.oldGenerationLimit());`;
    const r = spawnSync(process.execPath, ['--max-old-space-size=64', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(Number(r.stdout)).toBe(64 * 2 ** 20);
  });

  it('a search stopped because the heap is nearly full is exit 4, not a verdict', async () => {
    const run = await checkRunAsync(bench, { pages: 3, converters: 1 }, 'spec', {
      engine: 'compiled',
      strategy: 'bfs',
      symmetry: false,
      shouldStop: () => 'out-of-memory',
    });
    expect(run.stopReason).toBe('out-of-memory');
    expect(commandStatus([run], 1)).toBe(4);
  });
});

describe('output destinations are checked before the search', () => {
  it('--out below a regular file or below /proc: one line, exit 2, at once (no recursive mkdir spin)', async () => {
    const file = join(tmp(), 'plain');
    writeFileSync(file, '');
    for (const [flag, path] of [
      ['--out', join(file, 'traces')],
      ['--out', '/proc/foliocheck/traces'],
      ['--junit', join(file, 'junit.xml')],
      ['--flaws', '/proc/foliocheck/flaws.md'],
      ['--checkpoint', join(file, 'ck')],
    ] as const) {
      const r = await runBin(['check', 'bench', flag, path], { killAfter: 20_000 });
      expect([r.code, r.signal]).toEqual([2, null]);
      expect(r.err).toMatch(/^foliocheck: [^\n]+\n$/);
      expect(r.err).not.toMatch(STACK);
      expect(r.out).toBe('');
    }
  });

  it('a file that cannot be written after the search: the results are printed, then one line, exit 4', async () => {
    const dir = tmp();
    const summary = join(dir, 'summary');
    mkdirSync(summary);
    const r = await runCli(['check', 'bench', '--set', 'pages=2'], { GITHUB_STEP_SUMMARY: summary });
    expect(r.code).toBe(4);
    expect(r.out).toMatch(/bench\s+spec\s+no-host-map-of-private\s+holds/);
    expect(r.err).toMatch(/^foliocheck: cannot append to GITHUB_STEP_SUMMARY file .*\n$/);
  });
});
