// Progress of shared→private conversion (docs/designs-and-flaws.md L-Convert, F3, F6):
// a conversion that holds the invalidate lock on an index whose folio holds no reference
// that the host can release must complete; transient references (per-CPU LRU batches,
// which may never drain by themselves) must not refuse it forever.
//
// A conversion refused because a GUP or IOMMU reference is held is the design's documented
// behaviour, not a failure of L-Convert: INPLACE (docs/kernel-semantics.md §3.2 rule 10)
// leaves it to userspace to drop its references first, and the catalogue (F6) asks that such
// a stuck conversion be reported as attributable to the pin: a model shows it with a
// reachability witness (guest-memfd-inplace: conversion-refused).
import type { RefFolioContext } from '../models/machines/folio.js';
import { eventually, type Property, type StateTest, type WorldView } from '../src/index.js';

/** The folio in the page cache among `folios`, if any. */
const cached = (w: WorldView, folios: readonly string[]): RefFolioContext | undefined => {
  for (const id of folios) {
    const f = w.get(id);
    if (f.matches('cached')) return f.context as RefFolioContext;
  }
  return undefined;
};

/** The physical folios that may hold file index `index` of world `w`. */
export type FoliosOf = (w: WorldView, index: number) => readonly string[];

/**
 * Some converter (machines of kind `converterKind`) has zapped an index holding the lock
 * exclusive, and the folio there (one of `foliosOf(index)`, if any) has no mapping and no
 * pin, FOLL_GET or DMA reference: only transient references may remain. Every converter
 * and every index alike, so the test is unchanged by permuting converters, folio slots or
 * the pages of a folio.
 */
const convertingUnreferenced =
  (converterKind: string, foliosOf: FoliosOf): StateTest =>
  (w) =>
    w.ids(converterKind).some((converter) => {
      const conv = w.get(converter);
      if (!conv.matches('zapped')) return false;
      const c = cached(w, foliosOf(w, (conv.context as { page: number }).page));
      return c === undefined || (c.maps === 0 && c.pins === 0 && c.gets === 0 && !c.dma);
    });

/** Weakly fair: the converter's own steps (userspace retries a refused conversion). */
const converterSteps = ['convertBegin', 'convertCheck', 'convertCommit'];

/**
 * L-Convert (F3): once a converter holds the lock on an index whose folio is unreferenced
 * but for transient references, a conversion commits. Declared symmetric: the trigger
 * quantifies over every converter and index, the goal and fairness name event types only.
 */
export const conversionCompletes = (converterKind: string, foliosOf: FoliosOf): Property =>
  eventually(
    'conversion-completes',
    'a conversion of an index whose folio holds only transient references, holding the invalidate lock, eventually commits (L-Convert; F3: transient references alone must not refuse it forever)',
    { step: (s) => s.type === 'convertCommit' && s.outcome === 'ok' },
    { after: convertingUnreferenced(converterKind, foliosOf), fair: converterSteps, symmetric: true },
  );
