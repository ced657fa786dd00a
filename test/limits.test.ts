// Limits and interruption: a run stopped by --max-seconds, --max-memory, --max-states or a
// signal prints its partial figures and exits 3; bad limit values are usage errors.
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import type { Io } from '../src/commands/io.js';
import { parseSize } from '../src/commands/limits.js';
import { runCli } from './helpers.js';

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
  it('SIGINT during a long search prints partial figures and exits 3 within seconds', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(
      process.execPath,
      ['dist/src/bin.js', 'check', 'bench', '--set', 'pages=6', '--no-symmetry'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    setTimeout(() => child.kill('SIGINT'), 1500);
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(3);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(out).toContain('interrupted by SIGINT');
    expect(out).toMatch(/bench\s+spec\s+no-host-map-of-private\s+unknown/);
  });
});
