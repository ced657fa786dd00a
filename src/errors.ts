// Errors with a code and a one-line message that states the rule and the fix.
// Bad input and bad model definitions are InputError (exit 2); anything else that
// throws is an engine bug.

export type ErrorCode =
  | 'usage'
  | 'unknown_model'
  | 'unknown_variant'
  | 'unknown_property'
  | 'unknown_param'
  | 'bad_param'
  | 'bad_trace'
  | 'trace_model_mismatch'
  | 'bad_model'
  | 'bad_scenario'
  | 'bad_checkpoint'
  | 'checkpoint_mismatch'
  | 'bad_config'
  | 'bad_catalogue'
  | 'unknown_flaw'
  | 'io';

/** A problem with what the user gave us (flags, files, model definitions). Exit code 2. */
export class InputError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'InputError';
    this.code = code;
  }
}

/**
 * An unexpected failure during a run (out of memory, an engine bug), with the figures the
 * run had reached: never a verdict, exit 4.
 */
export class FatalError extends Error {
  constructor(
    readonly error: unknown,
    /** What was running and how far it got, e.g. "bench:spec after 26.1M states, depth 17". */
    readonly partial: string | undefined,
  ) {
    super(error instanceof Error ? error.message : String(error));
    this.name = 'FatalError';
  }
}

/** True for the errors V8 throws when an allocation fails (the process is out of memory). */
export function isOutOfMemory(err: unknown): boolean {
  return (
    err instanceof RangeError &&
    /allocation failed|Invalid (string|array|typed array) length|Array buffer|out of memory/i.test(
      err.message,
    )
  );
}

/**
 * The one line printed for a fatal error: what failed, how far the run got, and how to
 * see more. The stack trace is printed only with --debug.
 */
export function fatalLine(err: unknown): string {
  const cause = err instanceof FatalError ? err.error : err;
  const partial = err instanceof FatalError && err.partial !== undefined ? ` (${err.partial})` : '';
  const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  const kind = isOutOfMemory(cause) ? 'out of memory' : 'internal error';
  return oneLine(
    `foliocheck: ${kind}${partial}: ${what}; exit 4 (not a verdict; --debug prints the stack trace)`,
  );
}

/** One line on stderr for an unexpected error (the stack trace with --debug): exit 4, never a verdict. */
export function reportFatal(err: unknown, io: { err(text: string): void }, debug: boolean): void {
  io.err(`${fatalLine(err)}\n`);
  if (!debug) return;
  const cause = err instanceof FatalError ? err.error : err;
  io.err(`${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`);
}

/** Closest candidate by edit distance, for "did you mean" hints (undefined if none is close). */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return best;
}

/** Up to `n` candidates closest to `word` by edit distance (ties in candidate order). */
export function nearestNames(word: string, candidates: readonly string[], n = 3): string[] {
  return candidates
    .map((c, i) => ({ c, i, d: editDistance(word.toLowerCase(), c.toLowerCase()) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, n)
    .map((x) => x.c);
}

/** As nearestNames, but only candidates within the distance `nearest` accepts (none when nothing is close). */
export function closest(word: string, candidates: readonly string[], n: number): string[] {
  const limit = Math.max(2, Math.floor(word.length / 3)) + 1;
  return nearestNames(
    word,
    candidates.filter((c) => c !== word && editDistance(word.toLowerCase(), c.toLowerCase()) < limit),
    n,
  );
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, (prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** "unknown X 'y'" message with a hint: the nearest valid name, else the list. */
export function unknownName(what: string, name: string, valid: readonly string[], fix: string): string {
  const near = nearest(name, valid);
  const hint = near !== undefined ? `did you mean '${near}'?` : `valid: ${valid.join(', ')}`;
  return `unknown ${what} '${name}' (${hint}); ${fix}`;
}

/** `text` on one line: control characters (from file names, flags, trace fields) escaped. */
export function oneLine(text: string): string {
  return Array.from(text, (c) => {
    const code = c.charCodeAt(0);
    const control = code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029;
    return control ? `\\u${code.toString(16).padStart(4, '0')}` : c;
  }).join('');
}
