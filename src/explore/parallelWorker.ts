// The worker side of parallel BFS. `parallelWorkerMain` is shipped to worker threads as
// source text (new Worker(code, { eval: true })), so it must not reference anything
// outside its own body: it rebuilds the generated successor function from the plan and
// expands chunks of each level's frontier, test-and-setting states in the shared bitmap.

/** Messages from the main thread: expand one BFS level. */
export interface LevelMessage {
  readonly frontier: SharedArrayBuffer;
  readonly size: number;
  /** Global index of frontier[0]. */
  readonly base: number;
  /** Open state-level properties (bitmask). */
  readonly open: number;
  /** Open step properties (bitmask). */
  readonly openStep: number;
}

/** The worker's answer for one level. */
export interface LevelReply {
  readonly states: ArrayBuffer;
  readonly parents: ArrayBuffer;
  readonly events: ArrayBuffer;
  /** Triples (chunk index, offset, count) into the arrays above. */
  readonly segments: readonly number[];
  readonly count: number;
  readonly transitions: number;
  /** Per property: the smallest global state index where it fired (-1: none). */
  readonly foundState: readonly number[];
  /** Per step property: [from index, event, outcome] of the first firing step, or []. */
  readonly foundStep: readonly (readonly number[])[];
  /** taken[e] = 1 when world event e was taken in this level. */
  readonly taken: Uint8Array;
}

export function parallelWorkerMain(): void {
  /* eslint-disable */
  // Runs inside a worker thread created with eval: CommonJS `require` is available there.
  const wt = (globalThis as unknown as { require: (m: string) => unknown }).require(
    'node:worker_threads',
  ) as {
    parentPort: {
      on(ev: 'message', f: (m: unknown) => void): void;
      postMessage(m: unknown, t?: unknown[]): void;
    };
    workerData: {
      source: string;
      next: Int32Array[];
      out: Uint8Array[];
      priorAlpha: Int32Array[];
      bits: Int32Array;
      instances: number;
      fireTables: [number, Int32Array][];
      stepTables: [number, Uint8Array, boolean][];
      outcomes: number;
      ctrl: Int32Array;
      chunk: number;
      properties: number;
      events: number;
    };
  };
  const d = wt.workerData;
  const expand = new Function('T', 'O', 'PA', d.source)(d.next, d.out, d.priorAlpha) as (
    s: number,
    L: Int32Array,
    emit: (s: number, e: number, o: number) => void,
  ) => void;
  const L = new Int32Array(d.instances);
  wt.parentPort.on('message', (raw) => {
    const msg = raw as {
      frontier: SharedArrayBuffer;
      size: number;
      base: number;
      open: number;
      openStep: number;
    };
    const frontier = new Float64Array(msg.frontier);
    let cap = 1 << 16;
    let outS = new Float64Array(cap);
    let outP = new Uint32Array(cap);
    let outE = new Uint16Array(cap);
    let n = 0;
    let transitions = 0;
    let parent = 0;
    const segments: number[] = [];
    const foundState: number[] = new Array(d.properties).fill(-1);
    const foundStep: number[][] = new Array(d.properties).fill(0).map(() => []);
    let openStep = msg.openStep;
    const taken = new Uint8Array(d.events);
    const emit = (s: number, e: number, o: number): void => {
      transitions++;
      taken[e] = 1;
      if (openStep !== 0) {
        for (const [p, table, always] of d.stepTables) {
          if ((openStep & (1 << p)) === 0) continue;
          const holds = table[e * d.outcomes + o] === 1;
          if (holds !== always) {
            foundStep[p] = [parent, e, o];
            openStep &= ~(1 << p);
          }
        }
      }
      const w = Math.floor(s / 32);
      const bit = 1 << (s % 32);
      // Most successors were seen before: a plain read answers those without the atomic;
      // a stale 0 falls through to the test-and-set, which decides.
      if (((d.bits[w] as number) & bit) !== 0) return;
      if ((Atomics.or(d.bits, w, bit) & bit) !== 0) return;
      if (n === cap) {
        cap *= 2;
        const s2 = new Float64Array(cap);
        s2.set(outS);
        outS = s2;
        const p2 = new Uint32Array(cap);
        p2.set(outP);
        outP = p2;
        const e2 = new Uint16Array(cap);
        e2.set(outE);
        outE = e2;
      }
      outS[n] = s;
      outP[n] = parent;
      outE[n] = e;
      n++;
    };
    for (;;) {
      if (Atomics.load(d.ctrl, 1) !== 0) break;
      const c = Atomics.add(d.ctrl, 0, 1);
      const lo = c * d.chunk;
      if (lo >= msg.size) break;
      const hi = Math.min(msg.size, lo + d.chunk);
      const start = n;
      for (let j = lo; j < hi; j++) {
        parent = msg.base + j;
        expand(frontier[j] as number, L, emit);
        if (msg.open !== 0) {
          let mask = 0;
          for (const [inst, table] of d.fireTables) mask |= table[L[inst] as number] as number;
          mask &= msg.open;
          for (let p = 0; mask !== 0 && p < d.properties; p++) {
            if ((mask & (1 << p)) !== 0 && (foundState[p] as number) < 0) foundState[p] = parent;
          }
        }
      }
      segments.push(c, start, n - start);
    }
    const states = outS.slice(0, n).buffer;
    const parents = outP.slice(0, n).buffer;
    const events = outE.slice(0, n).buffer;
    wt.parentPort.postMessage(
      { states, parents, events, segments, count: n, transitions, foundState, foundStep, taken },
      [states, parents, events],
    );
  });
}
