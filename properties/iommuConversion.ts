// Progress of conversions that must first remove an IOMMU mapping (docs/designs-and-flaws.md
// §0 L-Convert, F10, F11, F12): a conversion request eventually succeeds or fails
// definitively; it is not refused forever because QEMU's own DMA mapping cannot be removed.
import { possibly, type Property, type StateTest, type StepTest } from '../src/index.js';

/**
 * L-Convert as AG EF: from every reachable state the conversion the model is about can
 * still complete (`done` says when it has), without the `excluding` steps (for example the
 * conversions of other ranges that would sidestep the one asked for). Judged on the
 * explored graph.
 */
export const conversionCanComplete = (doc: string, done: StateTest, excluding?: StepTest): Property =>
  possibly('conversion-can-complete', doc, { state: done }, excluding);
