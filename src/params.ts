// Validates user-chosen parameters and variants against a model's declarations.
import { InputError, unknownName } from './errors.js';
import type { AnyModel } from './model.js';

export interface ParamOptions {
  /**
   * Accept values above a parameter's declared maximum (`check --beyond-max`; a trace's
   * recorded parameters). The maximum is what the model's author checked the engine
   * finishes; past it a run may take any time or memory, so the user opts in and the
   * run's limits (--max-seconds, --max-memory) bound it. Values below the minimum are
   * never accepted.
   */
  readonly beyondMax?: boolean;
  /** Bound values by a parameter's `replayMax` (conformance scenarios replay one path). */
  readonly replay?: boolean;
}

/** Defaults overridden by `sets` (NAME → text); every value checked against its bounds. */
export function resolveParams(
  model: AnyModel,
  sets: Readonly<Record<string, string>>,
  opts: ParamOptions = {},
): Record<string, number> {
  const names = Object.keys(model.params);
  const params: Record<string, number> = {};
  for (const [name, spec] of Object.entries(model.params)) params[name] = spec.default;
  for (const [name, text] of Object.entries(sets)) {
    // Own keys only: 'constructor' or 'toString' are not parameters of any model.
    const spec = Object.hasOwn(model.params, name) ? model.params[name] : undefined;
    if (spec === undefined) {
      const fix = names.length === 0 ? `${model.id} has no parameters` : `see 'foliocheck list'`;
      throw new InputError('unknown_param', unknownName(`parameter of ${model.id}`, name, names, fix));
    }
    if (!/^-?\d+$/.test(text)) {
      throw new InputError('bad_param', `parameter ${name} of ${model.id} must be an integer, got '${text}'`);
    }
    const value = Number(text);
    if (opts.replay === true) {
      const max = spec.replayMax ?? spec.max;
      if (value < spec.min || value > max)
        throw new InputError(
          'bad_param',
          `parameter ${name} of ${model.id} must be between ${spec.min} and ${max}, got ${value}`,
        );
      params[name] = value;
      continue;
    }
    if (value > spec.max && value >= spec.min && opts.beyondMax !== true) {
      throw new InputError(
        'bad_param',
        `parameter ${name} of ${model.id} must be between ${spec.min} and ${spec.max}, got ${value} (${spec.max} is the largest value the model declares; pass --beyond-max to try more, bounded by --max-seconds and --max-memory)`,
      );
    }
    if (value < spec.min || (value > spec.max && opts.beyondMax !== true)) {
      throw new InputError(
        'bad_param',
        `parameter ${name} of ${model.id} must be between ${spec.min} and ${spec.max}, got ${value}`,
      );
    }
    params[name] = value;
  }
  return params;
}

export function variantNames(model: AnyModel): string[] {
  return Object.keys(model.variants);
}

export function resolveVariant(model: AnyModel, name: string): string {
  const names = variantNames(model);
  if (!names.includes(name)) {
    throw new InputError(
      'unknown_variant',
      unknownName(`variant of ${model.id}`, name, names, "see 'foliocheck list'"),
    );
  }
  return name;
}
