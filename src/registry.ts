// Model lookup by id for the CLI.
import { models } from '../models/index.js';
import { InputError, unknownName } from './errors.js';
import type { AnyModel } from './model.js';
import { resolveVariant } from './params.js';

export function allModels(): readonly AnyModel[] {
  return models;
}

export function findModel(id: string): AnyModel {
  const model = models.find((m) => m.id === id);
  if (model === undefined) {
    throw new InputError(
      'unknown_model',
      unknownName(
        'model',
        id,
        models.map((m) => m.id),
        "see 'foliocheck list'",
      ),
    );
  }
  return model;
}

export interface Selection {
  readonly model: AnyModel;
  readonly variants: readonly string[];
}

/** `MODEL` or `MODEL:VARIANT` selectors; none selects every model and variant. */
export function select(selectors: readonly string[]): Selection[] {
  if (selectors.length === 0)
    return models.map((model) => ({ model, variants: Object.keys(model.variants) }));
  return selectors.map((sel) => {
    const [id, variant, extra] = sel.split(':');
    if (extra !== undefined || id === undefined || id === '') {
      throw new InputError('usage', `bad model selector '${sel}'; write MODEL or MODEL:VARIANT`);
    }
    const model = findModel(id);
    return {
      model,
      variants: variant === undefined ? Object.keys(model.variants) : [resolveVariant(model, variant)],
    };
  });
}
