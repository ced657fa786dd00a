// Work written as generators (a search, compiling a system or a machine kind) runs to the
// end either at once or in slices between which the event loop takes a turn, so that
// signal handlers and timers run while it is in progress. One pair of drivers for all.
import { performance } from 'node:perf_hooks';

/** Milliseconds of work between two turns of the event loop. */
const SLICE_MS = 50;

/** Runs `work` to the end synchronously and returns its result. */
export function runSync<T>(work: Generator<unknown, T, undefined>): T {
  for (;;) {
    const r = work.next();
    if (r.done === true) return r.value;
  }
}

/** Runs `work` to the end, giving the event loop a turn every SLICE_MS. */
export async function runAsync<T>(work: Generator<unknown, T, undefined>): Promise<T> {
  let last = performance.now();
  for (;;) {
    const r = work.next();
    if (r.done === true) return r.value;
    const now = performance.now();
    if (now - last >= SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      last = performance.now();
    }
  }
}
