// Which trace files in an output directory a command owns, so that a directory never mixes
// runs: `check --out DIR` and `report` write `<model>.<variant>[.<tag>].<property>.trace.json`
// for each violated property of each run, where the tag spells the run's non-default
// parameters (src/trace.ts, paramTag; none at the defaults). A run owns every file of that
// shape for its own (model, variant, tag): a file it did not write (the property holds
// now, or was renamed) is stale and is removed. Files of other variants, of the same
// variant at other parameters (another CI matrix job writing the same directory), and any
// other file (`*.shrunk.trace.json`, notes) are left alone.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const SUFFIX = '.trace.json';

/** A run's claim on trace names: its model, variant and parameter tag ('' or absent: the defaults). */
export interface TraceOwner {
  readonly model: string;
  readonly variant: string;
  readonly tag?: string | undefined;
}

/** True when `file` is `<model>.<variant>[.<tag>].<property>.trace.json` of `owner` (a property has no dot). */
function owns(owner: TraceOwner, file: string): boolean {
  const tag = owner.tag ?? '';
  const prefix = `${owner.model}.${owner.variant}.${tag === '' ? '' : `${tag}.`}`;
  return (
    file.startsWith(prefix) &&
    file.endsWith(SUFFIX) &&
    /^[^.]+$/.test(file.slice(prefix.length, file.length - SUFFIX.length))
  );
}

/** Trace files in `dir` owned by the given runs (file names, sorted). */
export function ownedTraceFiles(dir: string, owners: readonly TraceOwner[]): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => owners.some((o) => owns(o, f)))
    .sort();
}

/** Owned trace files that these runs did not write (`written`: file names). */
export function staleTraceFiles(
  dir: string,
  owners: readonly TraceOwner[],
  written: ReadonlySet<string>,
): string[] {
  return ownedTraceFiles(dir, owners).filter((f) => !written.has(f));
}

/** Removes the stale traces and returns their paths. */
export function removeStaleTraces(
  dir: string,
  owners: readonly TraceOwner[],
  written: ReadonlySet<string>,
): string[] {
  const stale = staleTraceFiles(dir, owners, written).map((f) => join(dir, f));
  for (const path of stale) rmSync(path);
  return stale;
}
