// Every value inside a model's declared range must work. This checks the cheap half in
// CI: each shipped model's parameters, one at a time at its declared maximum (the others
// at their defaults), build and compile in every variant within the engine's bounds
// (local states per machine kind, outcomes). That each such run also finishes is
// test/long/paramMax.long.ts (`npm run test:long`, minutes).
import { describe, expect, it } from 'vitest';
import { models } from '../models/index.js';
import { compileSystem } from '../src/system.js';
import { atMax } from './paramMax.js';

describe('every parameter at its declared maximum compiles', () => {
  for (const model of models) {
    const settings = atMax(model);
    if (settings.length === 0) continue;
    it(`${model.id}: ${settings.map((s) => s.set).join(', ')}`, () => {
      const refused = settings.flatMap(({ set, params }) =>
        Object.keys(model.variants).flatMap((variant) => {
          try {
            compileSystem(model, params, variant);
            return [];
          } catch (err) {
            return [
              `${model.id}:${variant} --set ${set}: ${err instanceof Error ? err.message : String(err)}`,
            ];
          }
        }),
      );
      expect(refused).toEqual([]);
    });
  }
});
