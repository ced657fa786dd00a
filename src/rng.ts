// Seeded pseudo-random numbers for random and swarm search. Deterministic by seed on
// every platform; Math.random is never used, so a seed always reproduces a run.

/** A 32-bit generator (sfc32) with helpers; state is private to each instance. */
export interface Rng {
  /** Next value, uniform in [0, 2^32). */
  next(): number;
  /** Uniform integer in [0, n) for 1 ≤ n ≤ 2^32 (rejection sampling, so unbiased). */
  below(n: number): number;
}

/** splitmix32 step: a well-mixed 32-bit value from a 32-bit counter. */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** The low and high 32-bit halves of a non-negative safe integer seed. */
function halves(seed: number): [number, number] {
  return [seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0];
}

/** Creates a generator from a non-negative safe integer seed. */
export function makeRng(seed: number): Rng {
  const [lo, hi] = halves(seed);
  let a = splitmix32(lo);
  let b = splitmix32(hi ^ 0x85ebca6b);
  let c = splitmix32(a ^ b);
  let d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next();
  const below = (n: number): number => {
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const v = next();
      if (v < limit) return v % n;
    }
  };
  return { next, below };
}

/**
 * The seed of job `k` derived from `seed`: distinct jobs get unrelated streams, and the
 * result depends only on (seed, k), never on which worker runs the job.
 */
export function deriveSeed(seed: number, k: number): number {
  const [lo, hi] = halves(seed);
  const a = splitmix32(lo ^ splitmix32(k));
  const b = splitmix32(hi ^ splitmix32(a ^ k));
  return (b & 0x1fffff) * 2 ** 32 + a;
}
