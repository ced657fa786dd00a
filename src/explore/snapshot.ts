// Checks shared by both spaces when they restore a checkpoint: a snapshot that passed the
// checkpoint digest can still be hand-made, so every index is checked before it is used.
import { InputError } from '../errors.js';

export function badSnapshot(why: string): InputError {
  return new InputError(
    'bad_checkpoint',
    `checkpoint search state is inconsistent (${why}); start afresh without --resume`,
  );
}

/**
 * Validates parents and events of the block [from, to) of a snapshot over `nEvents` world
 * events: every non-initial state has an earlier parent (so paths end at the initial state).
 */
export function checkLinks(from: number, parents: Uint32Array, events: Uint16Array, nEvents: number): void {
  for (let k = from === 0 ? 1 : 0; k < parents.length; k++) {
    const i = from + k;
    if ((parents[k] as number) >= i) throw badSnapshot(`state ${i} has parent ${parents[k]}`);
    if ((events[k] as number) >= nEvents) throw badSnapshot(`state ${i} has event ${events[k]}`);
  }
}

/** A snapshot with no state cannot be restored (a search always stores its initial state). */
export function checkNotEmpty(size: number): void {
  if (size === 0) throw badSnapshot('no initial state');
}
