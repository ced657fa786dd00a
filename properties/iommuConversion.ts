// Progress of conversions that must first remove an IOMMU mapping (docs/designs-and-flaws.md
// §0 L-Convert, F11, F12): a conversion request eventually succeeds or fails definitively;
// it is not refused forever.
import { possibly, type Property } from '../src/index.js';

/**
 * L-Convert as AG EF: from every reachable state the page whose attribute machine is `attr`
 * can still become private. Judged on the explored graph; 'unknown' until the graph judge
 * is merged.
 */
export const conversionCanComplete = (attr: string): Property =>
  possibly(
    'conversion-can-complete',
    'from every reachable state the shared→private conversion can still complete (L-Convert)',
    { state: (w) => w.get(attr).matches('private') },
  );
