// Progress of conversions (docs/designs-and-flaws.md L-Convert): a conversion request must
// not fail forever because of transient references (F13) or because of references to other
// subpages of its folio (F15). Judged on the explored graph, so these are kept out of the
// models' property lists until the graph judge reports verdicts for them.
import { eventually, possibly, type Property } from '../src/index.js';

/**
 * F13 (models/exclusive-gup.ts): the converter's donation eventually succeeds. Weak fairness
 * on the converter's own steps and on the release of short-term pins (a GUP-fast pin and the
 * kernel accessor's pin are always dropped eventually); GUP-fast may pin again at any time,
 * which is the adversary the catalogue describes ("fairness off" for GUP-fast).
 * Expected: no-exclusive-pin holds, exclusive-pin violated (lasso: fastPin, convertPin
 * EBUSY, fastUnpin, repeat), zap-then-pin holds, unmap-first holds.
 */
export const conversionEventuallySucceeds = (): Property =>
  eventually(
    'conversion-eventually-succeeds',
    'a requested shared→private conversion eventually succeeds when only short-term pins get in its way (L-Convert, F13)',
    { step: (s) => s.type === 'convertDonate' && s.outcome === 'ok' },
    {
      fair: ['convertZap', 'convertPin', 'convertDonate', 'fastUnpin', 'kernelAccess', 'kernelUnpin'],
    },
  );

/**
 * F15 (models/huge-folio-mixed.ts): whatever the holders of subpage 0 do, without releasing
 * it, subpage 1 can still be converted to private (AG EF, excluding the steps that unmap or
 * unpin subpage 0). Expected: per-folio-check violated, per-page-guess holds (it answers
 * wrongly the other way), split-first holds.
 */
export const subpageStaysConvertible = (): Property =>
  possibly(
    'unreferenced-subpage-convertible',
    'a subpage neither pinned nor mapped can always still be converted to private, whatever its siblings hold (L-Convert, F15)',
    { step: (s) => s.type === 'toPrivate' && s.args['page'] === 1 && s.outcome === 'ok' },
    (s) => (s.type === 'unmap' || s.type === 'unpin') && s.args['page'] === 0,
  );
