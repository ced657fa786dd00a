// The flagship design (models/guest-memfd-inplace.ts) with its safety properties only: the
// same machines, world events and variants, without the progress property
// conversion-completes. A run with a progress property is reduced neither by partial-order
// reduction nor by symmetry (docs/performance.md), so this is the model the bench uses to
// measure what those reductions do on the flagship. Loaded by the CLI as a model file.
import flagship from '../models/guest-memfd-inplace.js';
import { isSafety } from '../src/property.js';

const properties = flagship.properties.filter(isSafety);

export default {
  ...flagship,
  id: `${flagship.id}-safety`,
  title: `${flagship.title}, safety properties only`,
  properties,
  variants: Object.fromEntries(
    Object.entries(flagship.variants).map(([name, v]) => {
      const own = (v.properties ?? []).filter(isSafety);
      const kept = new Set([...properties, ...own].map((p) => p.name));
      return [
        name,
        {
          ...v,
          ...(v.properties === undefined ? {} : { properties: own }),
          expect: Object.fromEntries(Object.entries(v.expect).filter(([p]) => kept.has(p))),
        },
      ];
    }),
  ) as typeof flagship.variants,
};
