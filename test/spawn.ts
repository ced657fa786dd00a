// Runs the built CLI (dist/src/bin.js) in a child process, for what only a real process
// shows: signals, exit codes, worker threads and what reaches stderr.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const BIN = join(import.meta.dirname, '..', 'dist', 'src', 'bin.js');

export interface Spawned {
  readonly code: number | null;
  readonly signal: string | null;
  readonly out: string;
  readonly err: string;
}

export interface SpawnOptions {
  /** Signals to send, each after its delay in milliseconds from the start. */
  readonly signals?: readonly (readonly [NodeJS.Signals, number])[];
  /** Options for node itself (e.g. a heap limit). */
  readonly node?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** The child is killed (and the test fails on its exit code) after this many ms. */
  readonly killAfter?: number;
  /** runBinUntil: a second trigger, looked for after the first fired. */
  readonly again?: RegExp;
  readonly thenAgain?: (kill: (sig: NodeJS.Signals) => void) => void;
}

export function runBin(argv: readonly string[], opts: SpawnOptions = {}): Promise<Spawned> {
  const child = spawn(process.execPath, [...(opts.node ?? []), BIN, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timers = (opts.signals ?? []).map(([sig, ms]) => setTimeout(() => child.kill(sig), ms));
  const guard = setTimeout(() => child.kill('SIGKILL'), opts.killAfter ?? 90_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      clearTimeout(guard);
      resolve({ code, signal, out, err });
    });
  });
}

/** Resolves once the child has printed `text` on stderr or stdout (used to signal it mid-search). */
export function runBinUntil(
  argv: readonly string[],
  text: RegExp,
  then: (kill: (sig: NodeJS.Signals) => void) => void,
  opts: SpawnOptions = {},
): Promise<Spawned> {
  const child = spawn(process.execPath, [...(opts.node ?? []), BIN, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let out = '';
  let err = '';
  let fired = false;
  let firedAgain = false;
  const kill = (sig: NodeJS.Signals): void => void child.kill(sig);
  const check = (): void => {
    if (!fired && text.test(out + err)) {
      fired = true;
      then(kill);
      return;
    }
    // The second trigger is looked for only once the first has fired.
    if (fired && !firedAgain && opts.again !== undefined && opts.again.test(out + err)) {
      firedAgain = true;
      opts.thenAgain?.(kill);
    }
  };
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    check();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    check();
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), opts.killAfter ?? 90_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, out, err });
    });
  });
}

/** No stack trace and no raw engine error anywhere in the output. */
export const STACK = /\n\s+at .*:\d+:\d+\)?|Error: engine|^TypeError|^RangeError/m;
