// Helpers for writing world events. A list of event literals whose `args` differ in shape
// infers a union TypeScript will not accept as WorldEventSpec[]; built with `worldEvent`,
// every entry is a WorldEventSpec from the start.
import type { Args, Participant, WorldEventSpec } from './model.js';

/** One atomic step of `actor`: `sync` lists the machine event each participant takes. */
export function worldEvent(
  actor: string,
  type: string,
  args: Args,
  sync: readonly Participant[],
  kernel?: string,
): WorldEventSpec {
  return kernel === undefined ? { actor, type, args, sync } : { actor, type, args, sync, kernel };
}
