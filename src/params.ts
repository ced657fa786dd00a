// Validates user-chosen parameters and variants against a model's declarations.
import { InputError, unknownName } from './errors.js';
import type { AnyModel } from './model.js';

/** Defaults overridden by `sets` (NAME → text); every value checked against its bounds. */
export function resolveParams(
  model: AnyModel,
  sets: Readonly<Record<string, string>>,
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
    if (value < spec.min || value > spec.max) {
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
