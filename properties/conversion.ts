// Progress of shared→private conversion (docs/designs-and-flaws.md L-Convert, F3, F6):
// a conversion that holds the invalidate lock on an unreferenced page must complete; only
// a real reference (a GUP or IOMMU pin) may keep refusing it.
import { eventually, type Property, type StateTest } from '../src/index.js';

const converting =
  (converter: string, page: string, refs: 'unreferenced' | 'any'): StateTest =>
  (w) => {
    const conv = w.get(converter);
    if (!conv.matches('zapped') || `page${(conv.context as { page: number }).page}` !== page) return false;
    if (refs === 'any') return true;
    const p = w.get(page);
    const c = p.context as { pins: number; longterm: number };
    return c.pins + c.longterm === 0 && p.matches({ dma: 'unmapped' }) && p.matches({ pin: 'unpinned' });
  };

const commits = {
  step: (s: { type: string; outcome: string }): boolean => s.type === 'convertCommit' && s.outcome === 'ok',
};

/** Weakly fair: the converter's own steps (userspace retries a refused conversion). */
const converterSteps = ['convertBegin', 'convertCheck', 'convertCommit'];

/**
 * L-Convert (F3): once converter0 holds the lock on an unreferenced page0, the conversion
 * commits; transient references (per-CPU LRU batches, which may never drain by themselves)
 * must not make it fail forever.
 */
export const conversionCompletes = (): Property =>
  eventually(
    'conversion-completes',
    'a conversion of an unreferenced page, holding the invalidate lock, eventually commits (L-Convert; F3: transient references alone must not refuse it forever)',
    commits,
    { after: converting('converter0', 'page0', 'unreferenced'), fair: converterSteps },
  );

/**
 * F6 companion: with the pin check in place, a page pinned long-term refuses conversion for
 * as long as the pin is held. This is violated by design and names the pin as the cause.
 */
export const conversionCompletesWhilePinned = (): Property =>
  eventually(
    'conversion-completes-while-pinned',
    'a conversion eventually commits even while GUP/IOMMU references are held (violated by design: a stuck conversion attributable to a long-term pin, F6 companion)',
    commits,
    { after: converting('converter0', 'page0', 'any'), fair: converterSteps },
  );
