// The parameter settings of the declared-maximum scans (test/paramMax.test.ts,
// test/long/paramMax.long.ts): each parameter alone at its maximum, the others at their
// defaults.
import type { AnyModel } from '../src/model.js';

export interface Setting {
  /** NAME=MAX, as `--set` takes it. */
  readonly set: string;
  readonly params: Readonly<Record<string, number>>;
}

export function atMax(model: AnyModel): Setting[] {
  const defaults = Object.fromEntries(Object.entries(model.params).map(([k, v]) => [k, v.default]));
  return Object.entries(model.params)
    .filter(([, spec]) => spec.max !== spec.default)
    .map(([name, spec]) => ({ set: `${name}=${spec.max}`, params: { ...defaults, [name]: spec.max } }));
}
