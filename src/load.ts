// Loading model and config files at run time, with no build step for the user.
//
// - JavaScript files (.js, .mjs, .cjs) are imported by Node itself.
// - TypeScript files (.ts, .mts, .cts) are imported with tsx's `tsImport` (tsx/esm/api):
//   esbuild transforms each file as Node loads it, relative imports and tsconfig `paths`
//   resolve as in the user's tree, both ESM and CommonJS packages work, and the hooks are
//   scoped to that one import, so nothing else in the process changes how it loads. A
//   model's own imports of `foliocheck` load in that scope too; models are data and
//   functions, so nothing depends on sharing module instances with the engine.
// - Files of foliocheck's own package (the shipped catalogue in models/) are loaded from
//   their compiled twin in dist/ when the engine itself runs compiled, exactly like the
//   engine; `npm run build` updates both. When the engine runs from its TypeScript sources
//   (vitest), the sources are imported directly.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InputError, oneLine } from './errors.js';

/** True when this module runs from its TypeScript source (vitest, tsx), not from dist/. */
export const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The root directory of the foliocheck package this engine belongs to. */
export const PACKAGE_ROOT: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'foliocheck') return dir;
      } catch {
        // not our package.json: keep looking upward
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('engine: cannot find the foliocheck package root');
    dir = up;
  }
})();

const TS = /\.(m|c)?ts$/;

/** True for a path inside foliocheck's own package (not its dist/ or node_modules/). */
export function inPackage(file: string): boolean {
  const rel = relative(PACKAGE_ROOT, file);
  return (
    rel !== '' &&
    !rel.startsWith('..') &&
    !rel.startsWith(`dist${sep}`) &&
    !rel.split(sep).includes('node_modules')
  );
}

/** The compiled twin in dist/ of a TypeScript file of the package (undefined: none). */
export function compiledTwin(file: string): string | undefined {
  if (!inPackage(file) || !TS.test(file)) return undefined;
  return join(PACKAGE_ROOT, 'dist', relative(PACKAGE_ROOT, file)).replace(TS, '.$1js');
}

/** The file Node actually loads for `file`: its compiled twin when the engine runs compiled. */
export function loadedPath(file: string): string {
  if (RUNNING_FROM_SOURCE) return file;
  const twin = compiledTwin(file);
  return twin !== undefined && existsSync(twin) ? twin : file;
}

let tsImport: ((specifier: string, parentURL: string) => Promise<unknown>) | undefined;

async function importTs(url: string): Promise<unknown> {
  if (tsImport === undefined) {
    const api = await import('tsx/esm/api');
    tsImport = (specifier, parentURL) => api.tsImport(specifier, parentURL) as Promise<unknown>;
  }
  return tsImport(url, import.meta.url);
}

/**
 * The module namespace of a file. A TypeScript file in a CommonJS package arrives as
 * `{ default: module.exports }`; its ES exports are unwrapped so callers see one shape.
 */
export async function importFile(file: string, what: string): Promise<Record<string, unknown>> {
  const target = loadedPath(resolve(file));
  if (!existsSync(target)) throw new InputError('io', `cannot read ${what} ${file}: no such file`);
  const url = pathToFileURL(target).href;
  let ns: Record<string, unknown>;
  try {
    ns = (RUNNING_FROM_SOURCE || !TS.test(target) ? await import(url) : await importTs(url)) as Record<
      string,
      unknown
    >;
  } catch (err) {
    if (err instanceof InputError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    const first = oneLine(message.split('\n')[0] ?? '');
    throw new InputError('bad_model', `cannot load ${what} ${file}: ${first}`);
  }
  const d = 'default' in ns ? ns['default'] : undefined;
  if (typeof d === 'object' && d !== null && '__esModule' in d) return d;
  return ns;
}

function newestSource(dir: string, found: { file: string; twin: string } | undefined): typeof found {
  let stale = found;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return stale;
  }
  for (const name of names.sort()) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) stale = newestSource(file, stale);
    else if (stale === undefined && TS.test(name) && !name.endsWith('.d.ts')) {
      const twin = compiledTwin(file);
      if (twin !== undefined && (!existsSync(twin) || statSync(twin).mtimeMs < statSync(file).mtimeMs))
        stale = { file, twin };
    }
  }
  return stale;
}

const rel = (p: string): string => relative(process.cwd(), p) || p;

/**
 * When the engine runs compiled and a model or property source of the package is newer
 * than its build (or was never built), the hint to rebuild; else undefined.
 */
export function staleBuildHint(): string | undefined {
  if (RUNNING_FROM_SOURCE) return undefined;
  let stale: { file: string; twin: string } | undefined;
  for (const dir of ['models', 'properties']) stale = newestSource(join(PACKAGE_ROOT, dir), stale);
  if (stale === undefined) return undefined;
  return `${rel(stale.file)} is newer than its build ${rel(stale.twin)}: run 'npm run build'`;
}
