// Checks shared by both spaces when they restore a checkpoint: a snapshot that passed the
// checkpoint digest can still be hand-made, so every index is checked before it is used.
import { InputError } from '../errors.js';
import type { SpaceSnapshot } from './space.js';

export function badSnapshot(why: string): InputError {
  return new InputError(
    'bad_checkpoint',
    `checkpoint search state is inconsistent (${why}); start afresh without --resume`,
  );
}

/**
 * Validates parents and events of a snapshot of `n` states over `nEvents` world events:
 * every non-initial state has an earlier parent (so paths end at the initial state).
 */
export function checkLinks(snap: SpaceSnapshot, n: number, nEvents: number): void {
  if (n === 0) throw badSnapshot('no initial state');
  if (snap.parents.length !== n || snap.events.length !== n) throw badSnapshot('column lengths differ');
  for (let i = 1; i < n; i++) {
    if ((snap.parents[i] as number) >= i) throw badSnapshot(`state ${i} has parent ${snap.parents[i]}`);
    if ((snap.events[i] as number) >= nEvents) throw badSnapshot(`state ${i} has event ${snap.events[i]}`);
  }
}
