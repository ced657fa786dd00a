// Parallel breadth-first search over a compiled space: level-synchronous, the frontier on
// shared memory, chunks handed out through an atomic counter, new states claimed by an
// atomic test-and-set in the shared bitmap. The main thread assembles each next level in
// chunk order. Counts and verdicts equal the sequential search's; which of two equally
// short counterexamples is reported may differ, since a state found in the same level by
// two chunks goes to whichever claims it first.
import { Worker } from 'node:worker_threads';
import type { CompiledSpace, ParallelPlan } from './compiledSpace.js';
import { checkFrontier } from './bfs.js';
import { parallelWorkerMain, type LevelReply } from './parallelWorker.js';
import type { SearchLimits, SearchStats } from './strategy.js';
import type { PropertyTracker } from './tracker.js';

/** States per work item handed to a worker. */
const CHUNK = 8192;

/** How often the main thread polls the stop condition while a level is being expanded. */
const STOP_POLL_MS = 100;

/** A worker thread and the level it is working on (one request at a time). */
interface PoolWorker {
  readonly worker: Worker;
  pending: { resolve: (r: LevelReply) => void; reject: (e: unknown) => void } | undefined;
}

function spawn(plan: ParallelPlan, ctrl: Int32Array, properties: number, events: number): PoolWorker {
  const code = `(${parallelWorkerMain.toString()})()`;
  const worker = new Worker(code, {
    eval: true,
    workerData: { ...plan, ctrl, chunk: CHUNK, properties, events },
  });
  const pw: PoolWorker = { worker, pending: undefined };
  worker.on('message', (m: LevelReply) => pw.pending?.resolve(m));
  worker.on('error', (e) => pw.pending?.reject(e));
  return pw;
}

function level(pw: PoolWorker, message: object): Promise<LevelReply> {
  return new Promise((resolve, reject) => {
    pw.pending = { resolve, reject };
    // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a worker_threads Worker, not a window
    pw.worker.postMessage(message);
  });
}

export async function parallelBfs(
  space: CompiledSpace,
  plan: ParallelPlan,
  tracker: PropertyTracker,
  limits: SearchLimits,
  workers: number,
): Promise<SearchStats> {
  const ctrl = new Int32Array(new SharedArrayBuffer(8));
  const pool = Array.from({ length: workers }, () =>
    spawn(plan, ctrl, space.sys.tracked.length, space.sys.events.length),
  );
  try {
    space.addInitial();
    const levels = [1];
    let base = 0;
    let transitions = 0;
    let stopReason: string | undefined;
    let depthBounded = false;
    for (;;) {
      const size = space.size - base;
      if (size === 0) break;
      if (limits.maxDepth !== undefined && levels.length - 1 >= limits.maxDepth) {
        depthBounded = checkFrontier(space, tracker, base, space.size);
        break;
      }
      limits.onProgress?.({ states: space.size, transitions, depth: levels.length - 1, queue: size });
      stopReason =
        limits.shouldStop?.() ??
        (limits.maxStates !== undefined && space.size >= limits.maxStates ? 'max-states' : undefined);
      if (stopReason !== undefined) break;
      const frontier = new Float64Array(new SharedArrayBuffer(size * 8));
      space.copyStates(base, base + size, frontier);
      Atomics.store(ctrl, 0, 0);
      const message = {
        frontier: frontier.buffer,
        size,
        base,
        open: tracker.openState,
        openStep: tracker.openStepMask,
      };
      // While the workers expand the level, the main thread polls the stop condition (signals,
      // time, memory) and, when it fires, tells the workers to take no further chunk.
      const watch = setInterval(() => {
        if (stopReason === undefined) stopReason = limits.shouldStop?.();
        if (stopReason !== undefined) Atomics.store(ctrl, 1, 1);
      }, STOP_POLL_MS);
      const replies = await Promise.all(pool.map((w) => level(w, message))).finally(() =>
        clearInterval(watch),
      );
      transitions += replies.reduce((sum, r) => sum + r.transitions, 0);
      mergeFindings(tracker, replies);
      const next = space.size;
      assemble(space, replies);
      levels.push(space.size - next);
      // Stopped inside the level: some of its states were not expanded, so the final
      // evaluation below starts at this level.
      if (stopReason !== undefined) break;
      base = next;
    }
    if (stopReason !== undefined) for (let j = base; j < space.size; j++) tracker.checkState(space, j);
    if (levels[levels.length - 1] === 0) levels.pop();
    return {
      states: space.size,
      transitions,
      depth: levels.length - 1,
      complete: stopReason === undefined && !depthBounded,
      depthBounded,
      stopReason,
      levels,
    };
  } finally {
    await Promise.all(pool.map((w) => w.worker.terminate()));
  }
}

/** Records the first (lowest-index) state and step findings across workers, and the events taken. */
function mergeFindings(tracker: PropertyTracker, replies: readonly LevelReply[]): void {
  for (const r of replies) r.taken.forEach((t, e) => t !== 0 && tracker.taken.fill(1, e, e + 1));
  const states: [number, number][] = [];
  const steps: (readonly number[])[] = [];
  for (const r of replies) {
    r.foundState.forEach((i, p) => {
      if (i >= 0) states.push([i, p]);
    });
    for (const s of r.foundStep) if (s.length === 3) steps.push(s);
  }
  states.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const [i, p] of states) tracker.record(i, (1 << p) & tracker.openState);
  steps.sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
  for (const [from, event, outcome] of steps)
    tracker.checkStep(from as number, event as number, outcome as number);
}

/** Appends each worker's new states to the space in chunk order. */
function assemble(space: CompiledSpace, replies: readonly LevelReply[]): void {
  const segments: [number, number, number, number][] = [];
  replies.forEach((r, w) => {
    for (let k = 0; k < r.segments.length; k += 3) {
      segments.push([r.segments[k] as number, w, r.segments[k + 1] as number, r.segments[k + 2] as number]);
    }
  });
  segments.sort((a, b) => a[0] - b[0]);
  const views = replies.map(
    (r) => [new Float64Array(r.states), new Uint32Array(r.parents), new Uint16Array(r.events)] as const,
  );
  for (const [, w, offset, count] of segments) {
    const [s, p, e] = views[w] as (typeof views)[number];
    const end = offset + count;
    space.appendDiscovered(s.subarray(offset, end), p.subarray(offset, end), e.subarray(offset, end));
  }
}
