// Live progress for long runs: on a terminal, one line on stderr redrawn in place; without
// a terminal (CI), a plain line every few seconds. Nothing is printed for runs under a second.
import { performance } from 'node:perf_hooks';
import type { SearchProgress } from '../explore/strategy.js';
import { FatalError, InputError } from '../errors.js';
import type { Io } from './io.js';

const TTY_EVERY_MS = 200;
const PLAIN_EVERY_MS = 5000;
const QUIET_FOR_MS = 1000;

export interface ProgressReporter {
  readonly onProgress: (p: SearchProgress) => void;
  /** Clears the live line (terminal) before the final output. */
  done(): void;
  /** How far the run got, for a fatal error's one line ("bench:spec after 26.1M states, depth 17, 12 s"). */
  partial(): string;
}

export function formatCount(n: number): string {
  return n >= 1e6
    ? `${(n / 1e6).toFixed(2)}M`
    : n >= 1e4
      ? `${(n / 1e3).toFixed(1)}k`
      : String(Math.round(n));
}

/** "1 property decided", "3 properties decided": what random and swarm walks have seen fire. */
function decidedText(n: number): string {
  return `${n} ${n === 1 ? 'property' : 'properties'} decided`;
}

export function progressReporter(io: Io, label: string, memoryBytes: () => number): ProgressReporter {
  const start = performance.now();
  let last = start;
  let drawn = false;
  let latest: SearchProgress | undefined;
  return {
    onProgress(p) {
      latest = p;
      const now = performance.now();
      if (now - start < QUIET_FOR_MS || now - last < (io.isTTY ? TTY_EVERY_MS : PLAIN_EVERY_MS)) return;
      last = now;
      const secs = (now - start) / 1000;
      const memory = `${(memoryBytes() / 2 ** 30).toFixed(2)} GiB, ${secs.toFixed(0)} s`;
      const line =
        p.walks === undefined
          ? `${label}: ${formatCount(p.states)} states, ${formatCount(p.states / secs)}/s, depth ${p.depth}, ` +
            `queue ${formatCount(p.queue)}, ${memory}`
          : `${label}: ${formatCount(p.walks)} walks, ${formatCount(p.walks / secs)} walks/s, ` +
            `${formatCount(p.states)} states, ${formatCount(p.states / secs)}/s, ` +
            `${decidedText(p.decided?.length ?? 0)}, ${memory}`;
      if (io.isTTY) {
        io.err(`\r\x1b[2K${line}`);
        drawn = true;
      } else {
        io.err(`progress ${line}\n`);
      }
    },
    done() {
      if (drawn) io.err('\r\x1b[2K');
      drawn = false;
    },
    partial() {
      const secs = ((performance.now() - start) / 1000).toFixed(0);
      if (latest === undefined) return `${label}, ${secs} s in`;
      const walks = latest.walks === undefined ? '' : `${formatCount(latest.walks)} walks, `;
      return `${label} after ${walks}${formatCount(latest.states)} states, depth ${latest.depth}, ${secs} s`;
    },
  };
}

/** Bad input stays bad input (exit 2); anything else thrown during a run is fatal, with how far it got. */
export function asFatal(err: unknown, progress: ProgressReporter): unknown {
  return err instanceof InputError || err instanceof FatalError
    ? err
    : new FatalError(err, progress.partial());
}
