// Limits and interruption: a run stopped by --max-seconds, --max-memory, --max-states or a
// signal prints its partial figures and exits 3 (130 on a second signal), whatever the
// strategy; bad limit values are usage errors.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import bench from '../models/bench.js';
import { main } from '../src/cli.js';
import type { Io, SignalHandler } from '../src/commands/io.js';
import { parseSize } from '../src/commands/limits.js';
import { guardNecessity } from '../src/guards.js';
import { measureCoverage, measureCoverageAsync } from '../src/report/coverage.js';
import { compileSystem } from '../src/system.js';
import { Poller, runStop, shouldStopFrom, StopFlag, stopExitCode } from '../src/stop.js';
import { runCli } from './helpers.js';
import { runBin, runBinUntil, STACK } from './spawn.js';

interface Captured {
  code: number;
  out: string;
  err: string;
  exits: number[];
}

/**
 * Runs the CLI with a fake signal source that delivers `signals` SIGINTs at the first turn
 * of the event loop after the first search started (its --debug line, or the first line
 * matching `after`): the search is then running (it lets the loop turn every 50 ms), so
 * the signal lands in it, whatever the machine's speed.
 */
async function runWithSignals(
  argv: readonly string[],
  signals: number,
  after: RegExp = /^search /,
): Promise<Captured> {
  const captured: Captured = { code: -1, out: '', err: '', exits: [] };
  let handler: SignalHandler | undefined;
  let sent = false;
  const io: Io = {
    out: (t) => void (captured.out += t),
    err: (t) => void (captured.err += t),
    isTTY: false,
    env: {},
    cwd: process.cwd(),
    onSignal: (h) => {
      handler = h;
      return () => {
        handler = undefined;
      };
    },
    debug: (text) => {
      if (sent || !after.test(text)) return;
      sent = true;
      setImmediate(() => {
        for (let i = 0; i < signals; i++) handler?.('SIGINT', false);
      });
    },
    // Records the exit instead of ending the test process; the command then stops as usual.
    exit: ((code: number) => {
      captured.exits.push(code);
    }) as (code: number) => never,
  };
  try {
    captured.code = await main(argv, io);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('exit ')) throw err;
  }
  return captured;
}

describe('limits', () => {
  it('--max-seconds stops with partial figures and exit 3', async () => {
    const run = await runCli([
      'check',
      'bench',
      '--set',
      'pages=5',
      '--no-symmetry',
      '--max-seconds',
      '0.01',
      '--json',
    ]);
    expect(run.code).toBe(3);
    const body = JSON.parse(run.out) as {
      ok: boolean;
      runs: { stopReason: string; states: number; properties: { verdict: string }[] }[];
    };
    expect(body.ok).toBe(false);
    expect(body.runs[0]?.stopReason).toBe('max-seconds');
    expect(body.runs[0]?.states).toBeGreaterThan(0);
    expect(body.runs[0]?.properties.every((p) => p.verdict === 'unknown')).toBe(true);
  });
  it('--max-memory stops when the process is above the budget', async () => {
    const run = await runCli([
      'check',
      'bench',
      '--set',
      'pages=5',
      '--no-symmetry',
      '--max-memory',
      '1M',
      '--json',
    ]);
    expect(run.code).toBe(3);
    expect((JSON.parse(run.out) as { runs: { stopReason: string }[] }).runs[0]?.stopReason).toBe(
      'max-memory',
    );
  });
  it('rejects bad limit values in one line', async () => {
    for (const argv of [
      ['check', '--max-seconds', 'soon'],
      ['check', '--max-memory', 'lots'],
      ['check', '--max-memory', '10K'],
    ]) {
      const run = await runCli(argv);
      expect(run.code).toBe(2);
      expect(run.err.trim().split('\n')).toHaveLength(1);
    }
  });
  it('parses sizes', () => {
    expect(parseSize('check', '8G')).toBe(8 * 2 ** 30);
    expect(parseSize('check', '512M')).toBe(512 * 2 ** 20);
    expect(parseSize('check', '1.5GiB')).toBe(1.5 * 2 ** 30);
  });
});

describe('signals', () => {
  it('a first SIGINT stops the search at a safe point: partial figures, remaining runs skipped, exit 3', async () => {
    const run = await runWithSignals(
      ['check', 'bench', 'guest-memfd-inplace', '--set', 'pages=5', '--no-symmetry'],
      1,
    );
    expect(run.code).toBe(3);
    expect(run.exits).toEqual([]);
    expect(run.err).toContain('SIGINT: stopping');
    expect(run.out).toContain('bench:spec: search stopped early (interrupted by SIGINT)');
    expect(run.out).toMatch(/bench\s+spec\s+no-host-map-of-private\s+unknown/);
    expect(run.out).toMatch(/interrupted by SIGINT: \d+ run\(s\) not started/);
  });
  it('a second signal exits at once with 130', async () => {
    const run = await runWithSignals(['check', 'bench', '--set', 'pages=5', '--no-symmetry'], 2);
    expect(run.exits).toEqual([130]);
  });
});

const tmpDir = (): string => mkdtempSync(join(tmpdir(), 'foliocheck-stop-'));

describe('report, guards and conform take the same stop', () => {
  it('report: a signal during its searches writes nothing, exit 3', async () => {
    const out = join(tmpDir(), 'reports');
    const run = await runWithSignals(['report', '--out', out], 1);
    expect(run.code).toBe(3);
    expect(run.exits).toEqual([]);
    expect(run.err).toMatch(
      /^\nSIGINT: stopping at the next safe point \(again to exit at once\)\nfoliocheck: report: interrupted by SIGINT while checking [^;]+; nothing written \(a report is written whole or not at all\); exit 3\n$/,
    );
    expect(run.out).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  it('report: --max-seconds stops its search; nothing written, not even with --format text or --check', async () => {
    const out = join(tmpDir(), 'reports');
    for (const extra of [[], ['--format', 'text'], ['--check']]) {
      const run = await runCli(['report', 'bench', '--out', out, '--max-seconds', '0', ...extra]);
      expect(run.code).toBe(3);
      expect(run.err).toContain('report: --max-seconds reached while checking bench:spec; nothing written');
      expect(run.out).toBe('');
      expect(existsSync(out)).toBe(false);
    }
  });

  it('coverage runs poll the stop and let the event loop turn; unstopped they measure what the synchronous run does', async () => {
    const sys = compileSystem(bench, { pages: 2, converters: 1 }, 'spec');
    expect(await measureCoverageAsync(sys, undefined, true, () => 'SIGINT')).toEqual({ stopped: 'SIGINT' });
    expect(await measureCoverageAsync(sys, undefined, true, () => undefined)).toEqual(
      measureCoverage(sys, undefined, true),
    );
  });

  it('guards: a limit leaves a guard unknown and the next is judged; a signal ends the command with the guards judged so far', async () => {
    const params = { pages: 2, converters: 1 };
    const base = { engine: 'compiled', strategy: 'bfs', symmetry: true, maxLocalStates: 64 } as const;
    const full = await guardNecessity(bench, params, 'spec', base);
    expect(full.stopReason).toBeUndefined();
    expect(full.guards.length).toBe(full.total);
    // Every search after the baseline out of time: each searched check unknown, none skipped.
    let searches = 0;
    const timedOut = await guardNecessity(bench, params, 'spec', {
      ...base,
      searchStop: () => {
        const first = searches++ === 0;
        return () => (first ? undefined : 'max-seconds');
      },
    });
    expect(timedOut.stopReason).toBeUndefined();
    expect(timedOut.guards.map((g) => [g.status, g.message])).toEqual(
      // (a check whose machine is unbounded without it is found when compiling, an inert one
      // from the compiled tables: neither needs a search)
      full.guards.map((g) =>
        g.status === 'unbounded' || g.status === 'inert'
          ? [g.status, g.message]
          : ['unknown', '--max-seconds reached'],
      ),
    );
    // A signal in the second guard's search: the first guard judged as without a stop.
    searches = 0;
    const signalled = await guardNecessity(bench, params, 'spec', {
      ...base,
      searchStop: () => {
        const n = searches++;
        return () => (n < 2 ? undefined : 'SIGINT');
      },
    });
    expect(signalled.stopReason).toBe('SIGINT');
    expect(signalled.guards.map((g) => g.status)).toEqual(full.guards.slice(0, 1).map((g) => g.status));
  });

  it("guards: --max-seconds in the design's own check judges no guard, exit 3", async () => {
    const run = await runCli(['guards', 'bench:spec', '--max-seconds', '0']);
    expect(run.code).toBe(3);
    expect(run.out).toMatch(
      /bench:spec: --max-seconds reached in the design's own check: (\d+) of \1 checks not judged\n$/,
    );
  });

  it('conform: a signal between two scenarios prints those run, writes no JUnit, exit 3', async () => {
    const junit = join(tmpDir(), 'junit.xml');
    const run = await runWithSignals(['conform', '--junit', junit, '--json'], 1, /^scenario /);
    expect(run.code).toBe(3);
    const body = JSON.parse(run.out) as { ok: boolean; stopReason: string; scenarios: unknown[] };
    expect(body).toMatchObject({ ok: false, stopReason: 'SIGINT' });
    expect(body.scenarios).toHaveLength(1);
    expect(run.err).toMatch(/conform: interrupted by SIGINT: (\d+) of \d+ scenario\(s\) not run/);
    expect(existsSync(junit)).toBe(false);
  });
});

const FIXTURE = 'test/fixtures/signalWhileLoading.ts';

describe('signals in a real process', () => {
  // Each test signals the child once it has printed a readiness line (a --debug line, the
  // fixture's announcement, a progress line), never after a fixed delay, and asserts exit
  // codes, stop reasons and partial figures, never timings: the 2-core box is shared.
  it('SIGINT during a long search prints partial figures and exits 3', async () => {
    const r = await runBinUntil(
      ['check', 'bench', '--set', 'pages=6', '--no-symmetry', '--json', '--debug'],
      /debug: search bench:spec started/,
      (kill) => kill('SIGINT'),
    );
    expect(r.code).toBe(3);
    expect(r.err).toContain('SIGINT: stopping at the next safe point');
    const run = json(r.out).runs[0];
    expect(run?.stopReason).toBe('SIGINT');
    expect(run?.states).toBeGreaterThan(0);
    expect(run?.properties.every((p) => p.verdict === 'unknown')).toBe(true);
  });

  it('SIGINT while the models load (before any handler of the command): one note, no run started, exit 3', async () => {
    const r = await runBinUntil(['check', `${FIXTURE}:spec`], /fixture: loading/, (kill) => kill('SIGINT'));
    expect([r.code, r.signal]).toEqual([3, null]);
    expect(r.err).toContain('SIGINT: stopping before the search starts (again to exit at once)');
    expect(r.err.match(/SIGINT: stopping/g)).toHaveLength(1);
    expect(r.err).not.toMatch(STACK);
    expect(r.out).toContain('interrupted by SIGINT: 1 run(s) not started');
  });

  it('SIGTERM while the models load, with --json: no run, ok false, exit 3', async () => {
    const r = await runBinUntil(['check', `${FIXTURE}:spec`, '--json'], /fixture: loading/, (kill) =>
      kill('SIGTERM'),
    );
    expect([r.code, r.signal]).toEqual([3, null]);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, runs: [] });
  });

  it('a second signal exits at once with 130 (here while the models load)', async () => {
    const r = await runBinUntil(['check', `${FIXTURE}:spec`], /fixture: loading/, (kill) => kill('SIGINT'), {
      env: { FIXTURE_SIGNALS: '2' },
      // The second is sent once the first was seen (two signals sent at once may merge into one).
      again: /SIGINT: stopping/,
      thenAgain: (kill) => kill('SIGINT'),
    });
    expect([r.code, r.signal]).toEqual([130, null]);
    expect(r.out).toBe('');
  });

  it('a command that runs no search ends at once on a signal, with 130', async () => {
    const r = await runBinUntil(['list', FIXTURE], /fixture: loading/, (kill) => kill('SIGTERM'));
    expect([r.code, r.signal]).toEqual([130, null]);
    expect(r.err).not.toMatch(STACK);
  });

  it('report: a signal before its first search writes nothing, exit 3', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'foliocheck-sig-')), 'reports');
    const r = await runBinUntil(['report', FIXTURE, '--out', out], /fixture: loading/, (kill) =>
      kill('SIGINT'),
    );
    expect([r.code, r.signal]).toEqual([3, null]);
    expect(r.err).toMatch(
      /foliocheck: report: interrupted by SIGINT while checking bench:spec; nothing written .*\n$/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("guards: a signal stops the design's own check, no guard is judged, exit 3", async () => {
    const r = await runBinUntil(['guards', `${FIXTURE}:spec`, '--json'], /fixture: loading/, (kill) =>
      kill('SIGINT'),
    );
    expect([r.code, r.signal]).toEqual([3, null]);
    const body = JSON.parse(r.out) as { stopReason: string; guards: unknown[]; notJudged: number };
    expect(body.stopReason).toBe('SIGINT');
    expect(body.guards).toEqual([]);
    expect(body.notJudged).toBeGreaterThan(0);
    expect(r.err).toMatch(/checks not judged\n$/);
  });
});

interface RunJson {
  runs: {
    stopReason: string | null;
    states: number;
    sampling: { walks: number } | null;
    properties: { name: string; verdict: string; trace: string | null }[];
  }[];
}

const json = (out: string): RunJson => JSON.parse(out) as RunJson;

describe('every strategy obeys the stop, in a real process', () => {
  // Exit code and stop reason are asserted, not timings: the 2-core box is shared.
  for (const strategy of ['random', 'swarm']) {
    it(`${strategy} with --max-seconds 1 stops with its walks so far, exit 3`, async () => {
      const r = await runBin([
        'check',
        'bench',
        '--set',
        'pages=3',
        '--strategy',
        strategy,
        '--walks',
        '100000000',
        '--max-seconds',
        '1',
        '--json',
      ]);
      expect(r.code).toBe(3);
      expect(r.err).not.toContain('foliocheck:');
      const run = json(r.out).runs[0];
      expect(run?.stopReason).toBe('max-seconds');
      expect(run?.sampling?.walks).toBeLessThan(100_000_000);
      expect(run?.properties.every((p) => p.verdict === 'unknown')).toBe(true);
    });
  }

  it('SIGTERM stops swarm workers mid-job: partial figures, counterexamples found so far written, exit 3', async () => {
    const out = mkdtempSync(join(tmpdir(), 'foliocheck-sig-'));
    // Signalled once the workers report a property decided: the jobs have then found a
    // counterexample, whichever worker started first (job 0 finds them, job 1 never does).
    const r = await runBinUntil(
      [
        'check',
        'guest-memfd-inplace:no-pin-check',
        '--strategy',
        'swarm',
        '--walks',
        '100000000',
        '--out',
        out,
        '--json',
      ],
      /progress .* walks, .* [1-9]\d* propert(y|ies) decided/,
      (kill) => kill('SIGTERM'),
    );
    expect(r.code).toBe(3);
    expect(r.err).toContain('SIGTERM: stopping');
    const run = json(r.out).runs[0];
    expect(run?.stopReason).toBe('SIGTERM');
    expect(run?.sampling?.walks).toBeGreaterThan(0);
    const violated = run?.properties.filter((p) => p.verdict === 'violated') ?? [];
    expect(violated.length).toBeGreaterThan(0);
    for (const p of violated) expect(existsSync(p.trace ?? '')).toBe(true);
    // The trace it wrote replays.
    const replayed = await runBin(['replay', violated[0]?.trace ?? '']);
    expect(replayed.code).toBe(0);
  });

  it('SIGINT stops a random search (main thread) with exit 3', async () => {
    const r = await runBinUntil(
      [
        'check',
        'bench',
        '--set',
        'pages=3',
        '--strategy',
        'random',
        '--walks',
        '100000000',
        '--json',
        '--debug',
      ],
      /debug: search bench:spec random started/,
      (kill) => kill('SIGINT'),
    );
    expect(r.code).toBe(3);
    expect(json(r.out).runs[0]?.stopReason).toBe('SIGINT');
  });

  it('--max-seconds stops a symmetry-reduced BFS with progress properties (judged from representatives: unknown)', async () => {
    const r = await runBin([
      'check',
      'guest-memfd-inplace:fixed',
      '--set',
      'folios=3',
      '--set',
      'pagesPerFolio=2',
      '--set',
      'converters=2',
      '--max-seconds',
      '1',
      '--json',
    ]);
    expect(r.code).toBe(3);
    expect(json(r.out).runs[0]?.stopReason).toBe('max-seconds');
    const progress = json(r.out).runs[0]?.properties.find((p) => p.name === 'conversion-completes');
    expect(progress?.verdict).toBe('unknown');
  });
});

describe('--max-states is exact', () => {
  for (const strategy of ['bfs', 'dfs']) {
    it(`${strategy}: stops at the first expansion that reaches N, at most one state's successors past it`, async () => {
      const run = await runCli([
        'check',
        'bench',
        '--set',
        'pages=3',
        '--strategy',
        strategy,
        '--max-states',
        '1000',
        '--json',
      ]);
      expect(run.code).toBe(3);
      const r = json(run.out).runs[0];
      expect(r?.stopReason).toBe('max-states');
      expect(r?.states).toBeGreaterThanOrEqual(1000);
      expect(r?.states).toBeLessThan(1000 + 30);
    });
  }
});

describe('the stop condition', () => {
  it('the first reason wins, crosses to workers through the shared flag, and stays', () => {
    const flag = new StopFlag();
    const a = runStop(flag, {});
    expect(a.shouldStop()).toBeUndefined();
    flag.request('SIGTERM');
    flag.request('SIGINT');
    expect(a.shouldStop()).toBe('SIGTERM');
    expect(shouldStopFrom(a.shared)()).toBe('SIGTERM');
  });
  it('a deadline and a memory budget stop a search; a nearly full heap stops it as out of memory (exit 4)', () => {
    expect(runStop(new StopFlag(), { maxSeconds: 0 }).shouldStop()).toBe('max-seconds');
    expect(runStop(new StopFlag(), { maxMemory: 1 }).shouldStop()).toBe('max-memory');
    expect(runStop(new StopFlag(), { heapFull: 1e-9 }).shouldStop()).toBe('out-of-memory');
    expect([stopExitCode('out-of-memory'), stopExitCode('max-seconds'), stopExitCode('SIGINT')]).toEqual([
      4, 3, 3,
    ]);
  });
  it('the poller polls about every 10 ms, whatever one unit of work costs', () => {
    const poller = new Poller();
    let polls = 0;
    const start = performance.now();
    while (performance.now() - start < 200) if (poller.due()) polls++;
    expect(polls).toBeGreaterThan(5);
    expect(polls).toBeLessThan(200);
  });
});
