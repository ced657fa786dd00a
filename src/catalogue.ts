// Flaw catalogues: the ids a model variant may declare in `flaws`, with what each flaw is,
// the design it belongs to, where it comes from and whether a fix is agreed. The shipped
// catalogue is catalogue/flaws.json; a project config may add its own files of the same
// format (docs/packaging.md). A variant that declares an id no catalogue has is an error.
import { join } from 'node:path';
import { InputError, nearestNames } from './errors.js';
import { readTextFile } from './files.js';
import { PACKAGE_ROOT } from './load.js';
import type { AnyModel } from './model.js';

export const CATALOGUE_SCHEMA = 'foliocheck-flaws/1';

/** The catalogue that ships with foliocheck (docs/designs-and-flaws.md §2 of the project). */
export const SHIPPED_CATALOGUE = join(PACKAGE_ROOT, 'catalogue', 'flaws.json');

export interface FlawEntry {
  readonly id: string;
  readonly title: string;
  /** The design(s) the flaw belongs to, e.g. 'D5c, D6'. */
  readonly design: string;
  /** Seed threads, commits, documents the flaw is taken from. */
  readonly sources: readonly string[];
  /** `fix agreed: <commit, series or rule>` or `fix: none agreed`. */
  readonly status: string;
  /** Name of the catalogue the entry comes from. */
  readonly catalogue: string;
}

export interface FlawCatalogue {
  /** Entries in catalogue order (the shipped catalogue first, then the config's, in order). */
  readonly flaws: readonly FlawEntry[];
  readonly files: readonly string[];
}

export const NO_FIX_AGREED = 'fix: none agreed';

/** False when the catalogue says no fix was agreed for the flaw. */
export function fixAgreed(entry: FlawEntry): boolean {
  return entry.status !== NO_FIX_AGREED;
}

/** Parses and validates one catalogue file; errors name the file and the JSON path. */
export function parseCatalogue(text: string, file: string): FlawCatalogue {
  const fail = (path: string, expected: string): never => {
    throw new InputError(
      'bad_catalogue',
      `${file}: ${path}: expected ${expected}; see docs/packaging.md ("Flaw catalogues")`,
    );
  };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return fail('$', `valid JSON (${(err as Error).message})`);
  }
  const obj = (v: unknown, path: string): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : fail(path, 'an object');
  const str = (v: unknown, path: string): string =>
    typeof v === 'string' && v !== '' ? v : fail(path, 'a non-empty string');
  const root = obj(data, '$');
  if (root['schema'] !== CATALOGUE_SCHEMA) fail('$.schema', `"${CATALOGUE_SCHEMA}"`);
  const name = str(root['name'], '$.name');
  const flaws = Object.entries(obj(root['flaws'], '$.flaws')).map(([id, raw]): FlawEntry => {
    const p = `$.flaws.${id}`;
    if (!/^[A-Za-z][\w.-]*$/.test(id)) fail(p, 'an id of letters, digits, . - _ starting with a letter');
    const e = obj(raw, p);
    const sources = Array.isArray(e['sources'])
      ? e['sources'].map((s, i) => str(s, `${p}.sources[${i}]`))
      : fail(`${p}.sources`, 'a list of strings');
    const status = str(e['status'], `${p}.status`);
    if (status !== NO_FIX_AGREED && !/^fix agreed: \S/.test(status))
      fail(`${p}.status`, `"fix agreed: <what>" or "${NO_FIX_AGREED}"`);
    return {
      id,
      title: str(e['title'], `${p}.title`),
      design: str(e['design'], `${p}.design`),
      sources,
      status,
      catalogue: name,
    };
  });
  return { flaws, files: [file] };
}

/** Reads catalogue files and merges them; an id defined twice is an error. */
export function loadCatalogues(files: readonly string[]): FlawCatalogue {
  const unique = [...new Set(files)];
  const flaws: FlawEntry[] = [];
  const where = new Map<string, string>();
  for (const file of unique) {
    for (const entry of parseCatalogue(readTextFile(file, 'flaw catalogue'), file).flaws) {
      const other = where.get(entry.id);
      if (other !== undefined)
        throw new InputError(
          'bad_catalogue',
          `flaw id '${entry.id}' is defined in both ${other} and ${file}; rename one of them`,
        );
      where.set(entry.id, file);
      flaws.push(entry);
    }
  }
  return { flaws, files: unique };
}

/** Throws a one-line error for the first flaw id of `model`'s variants that no catalogue has. */
export function checkModelFlaws(model: AnyModel, catalogue: FlawCatalogue, origin: string): void {
  const ids = catalogue.flaws.map((f) => f.id);
  const known = new Set(ids);
  for (const [variant, spec] of Object.entries(model.variants)) {
    for (const id of spec.flaws) {
      if (known.has(id)) continue;
      throw new InputError(
        'unknown_flaw',
        `${origin}: variant '${model.id}:${variant}' declares unknown flaw id '${id}' (nearest ids: ${nearestNames(id, ids).join(', ')}); use an id of the flaw catalogues (${catalogue.files.join(', ')}) or add a catalogue to the 'flaws' list of foliocheck.config`,
      );
    }
  }
}
