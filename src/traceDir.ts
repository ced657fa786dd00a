// Which trace files in an output directory a command owns, so that a directory never mixes
// runs: `check --out DIR` and `report` write `<model>.<variant>.<property>.trace.json` for
// each violated property of each model variant they checked, and own every file of that
// shape for those variants. A file of a checked variant that the run did not write (the
// property holds now, or was renamed) is stale and is removed; files of variants the
// command did not check, and any other file (`*.shrunk.trace.json`, notes), are left alone.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const SUFFIX = '.trace.json';

/** Trace files in `dir` owned by the given model variants (file names, sorted). */
export function ownedTraceFiles(
  dir: string,
  variants: readonly { readonly model: string; readonly variant: string }[],
): string[] {
  if (!existsSync(dir)) return [];
  const prefixes = variants.map((v) => `${v.model}.${v.variant}.`);
  return readdirSync(dir)
    .filter((f) => f.endsWith(SUFFIX))
    .filter((f) =>
      prefixes.some((p) => f.startsWith(p) && /^[^.]+$/.test(f.slice(p.length, f.length - SUFFIX.length))),
    )
    .sort();
}

/** Owned trace files that this run did not write (`written`: file names). */
export function staleTraceFiles(
  dir: string,
  variants: readonly { readonly model: string; readonly variant: string }[],
  written: ReadonlySet<string>,
): string[] {
  return ownedTraceFiles(dir, variants).filter((f) => !written.has(f));
}

/** Removes the stale traces and returns their paths. */
export function removeStaleTraces(
  dir: string,
  variants: readonly { readonly model: string; readonly variant: string }[],
  written: ReadonlySet<string>,
): string[] {
  const stale = staleTraceFiles(dir, variants, written).map((f) => join(dir, f));
  for (const path of stale) rmSync(path);
  return stale;
}
