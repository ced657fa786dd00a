// `foliocheck/testing`: check models from a program (`checkRun`), and pin a model's verdicts
// and state counts in a test (vitest or any runner that reports thrown errors). Verdicts are pinned by each variant's `expect`;
// state counts by a pins file or inline figures. A change in either fails the test with
// every difference listed; an intended change is recorded by rewriting the pins file
// (FOLIOCHECK_UPDATE_PINS=1), and the diff of that file is what a reviewer reads.
import { AssertionError } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkRun, type RunResult } from './check.js';
import { writeFileAtomic } from './files.js';
import type { AnyModel, Verdict } from './model.js';
import { resolveParams } from './params.js';

// Checking from a program: one model variant explored and judged.
export {
  asExpected,
  checkRun,
  checkRunAsync,
  type CheckOptions,
  type Judgement,
  type PropertyResult,
  type RunResult,
} from './check.js';

/** Pinned figures of one variant. `reduced` is the state count with symmetry reduction on. */
export interface VariantPin {
  readonly states: number;
  readonly transitions?: number;
  readonly depth?: number;
  readonly reduced?: number;
}

/** A pins file: `{ "variants": { "<variant>": { "states": 12, "transitions": 30, ... } } }`. */
export interface PinsFile {
  readonly variants: Readonly<Record<string, VariantPin>>;
}

export interface ExpectVerdictsOptions {
  /** A pins file (path or file: URL). Every variant must have a pin, and every pin a variant. */
  readonly pins?: string | URL;
  /** Inline pins, instead of a file. */
  readonly variants?: Readonly<Record<string, VariantPin>>;
  /** Parameters (default: each parameter's default). */
  readonly params?: Readonly<Record<string, number>>;
  /**
   * Rewrite the pins file from this run instead of comparing (default: true when the
   * environment variable FOLIOCHECK_UPDATE_PINS is 1). Verdicts are still compared.
   */
  readonly update?: boolean;
}

/** What one variant gave: its figures and every property's verdict. */
export interface VariantOutcome {
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly reduced: number;
  readonly verdicts: Readonly<Record<string, string>>;
}

function pinsPath(pins: string | URL): string {
  return pins instanceof URL ? fileURLToPath(pins) : pins;
}

function readPins(file: string): PinsFile {
  if (!existsSync(file))
    throw new AssertionError({
      message: `pins file ${file} does not exist; write it from the current model with FOLIOCHECK_UPDATE_PINS=1 and review it`,
    });
  const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<PinsFile>;
  if (typeof data.variants !== 'object' || data.variants === null)
    throw new AssertionError({ message: `pins file ${file}: expected { "variants": { ... } }` });
  return data as PinsFile;
}

function outcomeOf(full: RunResult, reduced: RunResult): VariantOutcome {
  return {
    states: full.states,
    transitions: full.transitions,
    depth: full.depth,
    reduced: reduced.states,
    verdicts: Object.fromEntries(full.properties.map((p) => [p.name, p.verdict])),
  };
}

/**
 * Checks every variant of `model` exhaustively (BFS, with and without symmetry reduction)
 * and throws an AssertionError listing every difference: a verdict that is not the
 * variant's declared expectation (or has none declared), a verdict that differs between the
 * reduced and the full search, and figures that differ from the pins. Returns what each
 * variant gave.
 */
export function expectVerdicts(
  model: AnyModel,
  opts: ExpectVerdictsOptions = {},
): Record<string, VariantOutcome> {
  const params = resolveParams(
    model,
    Object.fromEntries(Object.entries(opts.params ?? {}).map(([k, v]) => [k, String(v)])),
  );
  const outcomes: Record<string, VariantOutcome> = {};
  const problems: string[] = [];
  for (const [variant, spec] of Object.entries(model.variants)) {
    const base = { engine: 'compiled', strategy: 'bfs' } as const;
    const full = checkRun(model, params, variant, { ...base, symmetry: false });
    const reduced = checkRun(model, params, variant, { ...base, symmetry: true });
    const got = outcomeOf(full, reduced);
    outcomes[variant] = got;
    if (!full.complete)
      problems.push(`${variant}: the search did not complete (${full.stopReason ?? 'bounded'})`);
    for (const p of full.properties) {
      const expected: Verdict | undefined = spec.expect[p.name];
      if (expected === undefined)
        problems.push(
          `${variant}: property '${p.name}' has no expectation (it is ${p.verdict}); add it to expect`,
        );
      else if (p.verdict !== expected)
        problems.push(`${variant}: property '${p.name}' is ${p.verdict}, expected ${expected}`);
      const r = reduced.properties.find((q) => q.name === p.name);
      if (r !== undefined && r.verdict !== p.verdict)
        problems.push(
          `${variant}: property '${p.name}' is ${r.verdict} with symmetry reduction, ${p.verdict} without`,
        );
    }
    for (const name of Object.keys(spec.expect)) {
      if (!full.properties.some((p) => p.name === name))
        problems.push(`${variant}: expect names '${name}', which is not a property of ${model.id}`);
    }
  }
  const update = opts.update ?? process.env['FOLIOCHECK_UPDATE_PINS'] === '1';
  if (opts.pins !== undefined && update) {
    const variants = Object.fromEntries(
      Object.entries(outcomes).map(([v, o]) => [
        v,
        { states: o.states, transitions: o.transitions, depth: o.depth, reduced: o.reduced },
      ]),
    );
    writeFileAtomic(pinsPath(opts.pins), JSON.stringify({ variants }, null, 2) + '\n');
  } else if (opts.pins !== undefined || opts.variants !== undefined) {
    const file = opts.pins === undefined ? undefined : pinsPath(opts.pins);
    const pins = file === undefined ? (opts.variants ?? {}) : readPins(file).variants;
    const where = file ?? 'the inline pins';
    for (const [variant, got] of Object.entries(outcomes)) {
      const pin = pins[variant];
      if (pin === undefined) {
        problems.push(`${variant}: no pin in ${where} (it has ${got.states} states)`);
        continue;
      }
      for (const key of ['states', 'transitions', 'depth', 'reduced'] as const) {
        const want = pin[key];
        if (want !== undefined && want !== got[key])
          problems.push(`${variant}: ${key} ${got[key]}, pinned ${want}`);
      }
    }
    for (const variant of Object.keys(pins)) {
      if (!(variant in model.variants))
        problems.push(`${where}: a pin for '${variant}', which is not a variant of ${model.id}`);
    }
  }
  if (problems.length > 0)
    throw new AssertionError({
      message: `${model.id}: ${problems.length} difference(s) from the declared verdicts and pins:\n  ${problems.join('\n  ')}\n(after an intended change of state counts, rewrite the pins with FOLIOCHECK_UPDATE_PINS=1)`,
    });
  return outcomes;
}
