// Every value inside a model's declared range must work: each shipped model's parameters,
// one at a time at the declared maximum (the others at their defaults), checked as a user
// runs it, must finish with every verdict as expected. The declared maximum is what the
// model's author checked the engine finishes (src/params.ts); test/paramMax.test.ts checks
// in CI that these systems compile, this checks that their searches end. A run a limit
// stops exits 3 and fails here; the limit is a guard against a hang, set well above the
// minute a declared maximum should take on a 2-core machine. Minutes in all.
import { describe, expect, it } from 'vitest';
import { models } from '../../models/index.js';
import { atMax } from '../paramMax.js';
import { runBin } from '../spawn.js';

const GUARD_SECONDS = 600;

describe('every parameter at its declared maximum runs to the end', () => {
  for (const model of models)
    for (const { set } of atMax(model)) {
      it(`${model.id} --set ${set}`, async () => {
        const run = await runBin(['check', model.id, '--set', set, '--max-seconds', String(GUARD_SECONDS)], {
          killAfter: (GUARD_SECONDS + 120) * 1000,
        });
        expect(run.code, `${run.out}\n${run.err}`).toBe(0);
      });
    }
});
