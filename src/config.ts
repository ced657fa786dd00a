// Project configuration: which model files `foliocheck` checks when no model is named, and
// which flaw catalogues add to the shipped one. Found as foliocheck.config.{ts,mts,js,mjs,json}
// in the working directory or the nearest directory above it, or named with --config FILE.
// Paths in a config are relative to the config file's directory.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from './errors.js';
import { readTextFile } from './files.js';
import { expandGlob } from './glob.js';
import { compiledTwin, importFile } from './load.js';

export { defineConfig, type FoliocheckConfig } from './projectConfig.js';

/** A config file read and its globs expanded to absolute file paths. */
export interface LoadedConfig {
  readonly file: string;
  readonly modelFiles: readonly string[];
  readonly flawFiles: readonly string[];
}

/** Names looked for in each directory, in this order; the first one found is the config. */
export const CONFIG_NAMES = [
  'foliocheck.config.ts',
  'foliocheck.config.mts',
  'foliocheck.config.js',
  'foliocheck.config.mjs',
  'foliocheck.config.json',
] as const;

/** The config in `dir` or the nearest directory above it; undefined when there is none. */
export function findConfig(dir: string): string | undefined {
  let here = resolve(dir);
  for (;;) {
    for (const name of CONFIG_NAMES) {
      const file = join(here, name);
      if (existsSync(file) && statSync(file).isFile()) return file;
    }
    const up = dirname(here);
    if (up === here) return undefined;
    here = up;
  }
}

function bad(file: string, what: string): never {
  throw new InputError('bad_config', `${file}: ${what}; see docs/packaging.md ("Project config")`);
}

function stringList(file: string, value: unknown, key: string): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === ''))
    return bad(file, `'${key}' must be a list of file paths or globs`);
  return value as string[];
}

async function rawConfig(file: string): Promise<unknown> {
  if (file.endsWith('.json')) {
    try {
      return JSON.parse(readTextFile(file, 'config'));
    } catch (err) {
      if (err instanceof InputError) throw err;
      return bad(file, `not valid JSON (${(err as Error).message})`);
    }
  }
  const ns = await importFile(file, 'config');
  return ns['default'];
}

/** Reads and validates a config file; every listed path must exist (a glob must match). */
export async function loadConfig(file: string): Promise<LoadedConfig> {
  const abs = resolve(file);
  if (!existsSync(abs)) throw new InputError('io', `cannot read config ${file}: no such file`);
  const raw = await rawConfig(abs);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return bad(abs, 'expected an object { models, flaws } (export default defineConfig({...}))');
  const known = new Set(['models', 'flaws']);
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) bad(abs, `unknown key '${key}' (known: models, flaws)`);
  }
  const cfg = raw as Record<string, unknown>;
  const base = dirname(abs);
  const expand = (patterns: readonly string[], what: string): string[] =>
    patterns.flatMap((pattern) => {
      const files = expandGlob(base, pattern);
      // A file of foliocheck's own package may exist only as its compiled twin (installed package).
      const twin = compiledTwin(resolve(base, pattern));
      if (files.length === 0 && twin !== undefined && existsSync(twin)) return [resolve(base, pattern)];
      if (files.length === 0) bad(abs, `${what} '${pattern}' matches no file`);
      return files;
    });
  return {
    file: abs,
    modelFiles: [...new Set(expand(stringList(abs, cfg['models'], 'models'), 'model file'))],
    flawFiles: [...new Set(expand(stringList(abs, cfg['flaws'], 'flaws'), 'flaw catalogue'))],
  };
}
