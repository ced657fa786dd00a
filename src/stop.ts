// The one stop mechanism of every search. A command owns one StopFlag (signals, and any
// code that decides the whole command must end); each search gets a RunStop from it with
// its own deadline and memory budget. Searches, progress judging and report explorations
// call `shouldStop()` at least every ~50 ms of work (a Poller spaces the calls); worker
// threads build the same function from `SharedStop` (the flag lives on a
// SharedArrayBuffer, the deadline is absolute), so a signal seen by the main thread stops
// every worker at its next poll. A reason, once returned, is returned by every later call.
//
// Synchronous code sees time, memory and the shared flag at once; a signal reaches the
// flag only when the main thread's event loop turns, so a long search on the main thread
// is driven by runAsync (src/explore/strategy.ts), which turns it every 50 ms.
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/**
 * Why a search stopped before it was complete: 'SIGINT', 'SIGTERM', 'max-seconds',
 * 'max-memory', 'max-states', 'out-of-memory' (the JavaScript heap is nearly full: a fatal
 * error, exit 4, rather than a crash), or 'decided' (every property decided early).
 */
export type StopReason = string;

/** Polled by every search; a reason stops it. Cheap (a few microseconds). */
export type ShouldStop = () => StopReason | undefined;

/** Reasons that can cross threads, by code (0: go on). */
const CODES: readonly StopReason[] = [
  '',
  'SIGINT',
  'SIGTERM',
  'max-seconds',
  'max-memory',
  'max-states',
  'out-of-memory',
  'decided',
];

/** Exit code of a command stopped for `reason`: 4 when fatal (out of memory), else 3. */
export function stopExitCode(reason: StopReason): 3 | 4 {
  return reason === 'out-of-memory' ? 4 : 3;
}

/**
 * True when `reason` stops every later search of the command too (a signal, a full heap);
 * the other limits (--max-seconds, --max-memory, --max-states) bound one search each.
 */
export function endsCommand(reason: StopReason): boolean {
  return reason === 'SIGINT' || reason === 'SIGTERM' || reason === 'out-of-memory';
}

/** How a stop reads in text output. */
export function describeStop(reason: StopReason): string {
  if (reason === 'SIGINT' || reason === 'SIGTERM') return `interrupted by ${reason}`;
  if (reason === 'out-of-memory') return 'out of memory';
  return reason.startsWith('max-') ? `--${reason} reached` : reason;
}

/** Milliseconds since the epoch, comparable across threads (each has its own timeOrigin). */
export function absoluteNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The reason every search of a command stops for, shared with worker threads. */
export class StopFlag {
  readonly cell = new Int32Array(new SharedArrayBuffer(4));

  /** Records `reason` unless one is recorded already (the first reason wins). */
  request(reason: StopReason): void {
    const code = CODES.indexOf(reason);
    Atomics.compareExchange(this.cell, 0, 0, code > 0 ? code : CODES.length);
  }

  get reason(): StopReason | undefined {
    return reasonOf(this.cell);
  }
}

function reasonOf(cell: Int32Array): StopReason | undefined {
  const code = Atomics.load(cell, 0);
  return code === 0 ? undefined : (CODES[code] ?? 'stopped');
}

/** What a worker thread needs to stop when the main thread would (structured-clone safe). */
export interface SharedStop {
  readonly cell: Int32Array;
  /** Absolute deadline (absoluteNow() scale), or null. */
  readonly deadline: number | null;
  /** Resident set size (bytes) above which to stop, or null. */
  readonly maxMemory: number | null;
  /** Share of the old generation's limit (oldGenerationLimit) past which to stop as out of memory. */
  readonly heapFull: number;
}

export interface RunLimits {
  readonly maxSeconds?: number | undefined;
  readonly maxMemory?: number | undefined;
  /** Share of the old generation's limit past which a search stops as out of memory (default HEAP_FULL). */
  readonly heapFull?: number | undefined;
}

/**
 * Share of the old generation's limit past which a search stops as out of memory (exit 4,
 * partial figures) instead of crashing: V8 gives up ("ineffective mark-compacts") when the
 * old generation is nearly full.
 */
export const HEAP_FULL = 0.7;

/**
 * The old generation's limit: V8's heap_size_limit less the young generation (three
 * semi-spaces, 16 MB each on 64-bit unless --max-semi-space-size says otherwise), which
 * the states a search keeps never live in. With a small heap the difference matters:
 * `--max-old-space-size=64` gives a heap_size_limit of 112 MB, and V8 aborts at 65 MB
 * used, 58 % of it, so a share of heap_size_limit would never be reached.
 */
export function oldGenerationLimit(): number {
  const limit = getHeapStatistics().heap_size_limit;
  const flags = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
  const semi = flags
    .map((f) => /^--max[-_]semi[-_]space[-_]size=(\d+)$/.exec(f)?.[1])
    .find((v) => v !== undefined);
  const young = 3 * Number(semi ?? 16) * 2 ** 20;
  return Math.max(limit / 4, limit - young);
}

/** The stop condition of one search: the shared flag, then its deadline and memory budget. */
export function shouldStopFrom(shared: SharedStop): ShouldStop {
  let reason: StopReason | undefined;
  const limit = oldGenerationLimit() * shared.heapFull;
  return () => {
    if (reason !== undefined) return reason;
    reason = reasonOf(shared.cell);
    if (reason === undefined && shared.deadline !== null && absoluteNow() > shared.deadline)
      reason = 'max-seconds';
    if (reason === undefined && shared.maxMemory !== null && process.memoryUsage.rss() > shared.maxMemory)
      reason = 'max-memory';
    if (reason === undefined && getHeapStatistics().used_heap_size > limit) reason = 'out-of-memory';
    return reason;
  };
}

/** One search's stop: `shouldStop` for this thread, `shared` for its worker threads. */
export interface RunStop {
  readonly shouldStop: ShouldStop;
  readonly shared: SharedStop;
}

/** A stop that never fires (library callers that set no limit). */
export function noStop(): RunStop {
  return runStop(new StopFlag(), {});
}

/** Starts the budget of one search now. */
export function runStop(flag: StopFlag, limits: RunLimits): RunStop {
  const shared: SharedStop = {
    cell: flag.cell,
    deadline: limits.maxSeconds === undefined ? null : absoluteNow() + limits.maxSeconds * 1000,
    maxMemory: limits.maxMemory ?? null,
    heapFull: limits.heapFull ?? HEAP_FULL,
  };
  return { shouldStop: shouldStopFrom(shared), shared };
}

/**
 * Lets the event loop turn once, so a signal that arrived is recorded on the command's
 * flag. Commands call it between two searches: a search turns the loop only when it runs
 * longer than a slice, and many short ones in a row would otherwise keep a signal out.
 */
export function turnEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Target milliseconds of work between two polls. */
const POLL_MS = 10;
const MAX_STRIDE = 1 << 16;

/**
 * Spaces the polls of a loop: `due()` is called once per unit of work (an expansion, a
 * walk step, an SCC) and is true about every POLL_MS, whatever a unit costs; the stride
 * doubles while polls come too often and halves when they come late.
 */
export class Poller {
  private stride = 16;
  private left = 16;
  private last = performance.now();

  due(): boolean {
    if (--this.left > 0) return false;
    const now = performance.now();
    const elapsed = now - this.last;
    this.last = now;
    if (elapsed < POLL_MS / 2 && this.stride < MAX_STRIDE) this.stride *= 2;
    else if (elapsed > POLL_MS * 2 && this.stride > 1) this.stride >>= 1;
    this.left = this.stride;
    return true;
  }
}
