// Run limits shared by long-running commands: wall time, memory, and interruption by a
// signal. Each becomes a stop reason the search polls; a stopped run exits 3.
import { InputError } from '../errors.js';
import { runStop, StopFlag, type RunStop, type StopReason } from '../stop.js';
import { option, type FlagSpec, type ParsedArgs } from './args.js';
import type { Io } from './io.js';

export const limitFlags: readonly FlagSpec[] = [
  { name: 'max-seconds', value: 'N', doc: 'stop each search after N seconds (partial figures, exit 3)' },
  {
    name: 'max-memory',
    value: 'SIZE',
    doc: 'stop when the process uses more than SIZE (e.g. 8G, 512M; exit 3)',
  },
];

/** Parses "8G", "512M", "64K" or a byte count. */
export function parseSize(command: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)i?B?$/i.exec(text);
  if (m === null)
    throw new InputError('usage', `${command}: --max-memory expects a size like 8G or 512M, got '${text}'`);
  const unit = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[(m[2] ?? '').toUpperCase()] ?? 1;
  const bytes = Math.floor(Number(m[1]) * unit);
  if (bytes < 2 ** 20)
    throw new InputError('usage', `${command}: --max-memory must be at least 1M, got '${text}'`);
  return bytes;
}

export interface Limits {
  readonly maxSeconds: number | undefined;
  readonly maxMemory: number | undefined;
}

export function parseLimits(args: ParsedArgs, command: string): Limits {
  const secs = option(args, 'max-seconds');
  if (secs !== undefined && !/^\d+(\.\d+)?$/.test(secs)) {
    throw new InputError('usage', `${command}: --max-seconds must be a positive number, got '${secs}'`);
  }
  const mem = option(args, 'max-memory');
  return {
    maxSeconds: secs === undefined ? undefined : Number(secs),
    maxMemory: mem === undefined ? undefined : parseSize(command, mem),
  };
}

/** Process memory as the limit sees it (resident set size). */
export const memoryInUse = (): number => process.memoryUsage.rss();

/** The stop of one command: signals recorded on a shared flag, a budget per search. */
export interface CommandStop {
  readonly flag: StopFlag;
  /** Starts the budget (--max-seconds, --max-memory) of the next search. */
  run(): RunStop;
  /** The signal (or other reason) that stops every search of the command, if any. */
  readonly stopped: () => StopReason | undefined;
  /** Removes the signal handlers. */
  release(): void;
}

/**
 * Records SIGINT/SIGTERM on a StopFlag for the duration of a command, so every search
 * (and every worker thread) stops at its next poll; a second signal exits at once (130).
 */
export function commandStop(io: Io, limits: Limits): CommandStop {
  const flag = new StopFlag();
  let signals = 0;
  const release =
    io.onSignal?.((sig, noted) => {
      if (++signals > 1) io.exit?.(130);
      flag.request(sig);
      if (!noted) io.err(`\n${sig}: stopping at the next safe point (again to exit at once)\n`);
    }) ?? (() => undefined);
  return {
    flag,
    run: () => runStop(flag, limits),
    stopped: () => flag.reason,
    release,
  };
}
