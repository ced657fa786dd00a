// Limits and interruption: a run stopped by --max-seconds, --max-memory, --max-states or a
// signal prints its partial figures and exits 3 (130 on a second signal), whatever the
// strategy; bad limit values are usage errors.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import type { Io } from '../src/commands/io.js';
import { parseSize } from '../src/commands/limits.js';
import { Poller, runStop, shouldStopFrom, StopFlag, stopExitCode } from '../src/stop.js';
import { runCli } from './helpers.js';
import { runBin, runBinUntil } from './spawn.js';

interface Captured {
  code: number;
  out: string;
  err: string;
  exits: number[];
}

/** Runs the CLI with a fake signal source that fires `signals` times 300 ms after the command starts. */
async function runWithSignals(argv: readonly string[], signals: number): Promise<Captured> {
  const captured: Captured = { code: -1, out: '', err: '', exits: [] };
  const io: Io = {
    out: (t) => void (captured.out += t),
    err: (t) => void (captured.err += t),
    isTTY: false,
    env: {},
    cwd: process.cwd(),
    onSignal: (handler) => {
      const timer = setTimeout(() => {
        for (let i = 0; i < signals; i++) handler('SIGINT');
      }, 300);
      return () => clearTimeout(timer);
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
    expect(run.out).toContain('interrupted by SIGINT');
    expect(run.out).toContain('run(s) not started');
  });
  it('a second signal exits at once with 130', async () => {
    const run = await runWithSignals(['check', 'bench', '--set', 'pages=5', '--no-symmetry'], 2);
    expect(run.exits).toEqual([130]);
  });
});

describe('signals in a real process', () => {
  it('SIGINT during a long search prints partial figures and exits 3', async () => {
    // Signalled once the search reports progress (model loading may take a while on a busy machine).
    const r = await runBinUntil(['check', 'bench', '--set', 'pages=6', '--no-symmetry'], /progress/, (kill) =>
      kill('SIGINT'),
    );
    expect(r.code).toBe(3);
    expect(r.out).toContain('interrupted by SIGINT');
    expect(r.out).toMatch(/bench\s+spec\s+no-host-map-of-private\s+unknown/);
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
      /progress .* walks/,
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
      ['check', 'bench', '--set', 'pages=3', '--strategy', 'random', '--walks', '100000000', '--json'],
      /progress .* walks/,
      (kill) => kill('SIGINT'),
    );
    expect(r.code).toBe(3);
    expect(json(r.out).runs[0]?.stopReason).toBe('SIGINT');
  });

  it('a second signal exits at once with 130 (here during the checkpoint save of the stopped search)', async () => {
    const cp = join(mkdtempSync(join(tmpdir(), 'foliocheck-sig-')), 'ck');
    let first = true;
    // After two progress lines (10 s) the store is large, so saving it takes long enough for
    // the second signal to arrive while the process is still at work.
    const r = await runBinUntil(
      ['check', 'bench', '--set', 'pages=6', '--no-symmetry', '--checkpoint', cp],
      /progress[^]*progress/,
      (kill) => {
        kill('SIGINT');
        first = false;
      },
      { again: /SIGINT: stopping/, thenAgain: (kill) => kill('SIGINT') },
    );
    expect(first).toBe(false);
    expect(r.code).toBe(130);
  });

  it('--max-seconds stops a symmetry-reduced BFS with progress properties (the graph run is not started)', async () => {
    const r = await runBin([
      'check',
      'guest-memfd-inplace:fixed',
      '--set',
      'folios=3',
      '--set',
      'converters=2',
      '--max-seconds',
      '1',
      '--json',
    ]);
    expect(r.code).toBe(3);
    expect(json(r.out).runs[0]?.stopReason).toBe('max-seconds');
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
