// `foliocheck init [DIR]`: scaffold a project that checks its own design models — one small
// model with a fixed and a flawed variant, a vitest test pinning its verdicts and state
// counts, a foliocheck.config.ts and a GitHub Actions workflow — from templates/init of
// this package. Nothing is ever overwritten: when any scaffold file exists, nothing is
// written. package.json gets the missing scripts (or is created).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { readTextFile, writeFileAtomic } from '../files.js';
import { PACKAGE_ROOT } from '../load.js';
import type { FlagSpec, ParsedArgs } from './args.js';
import type { Io } from './io.js';

export const initFlags: readonly FlagSpec[] = [];

export const TEMPLATE_DIR = join(PACKAGE_ROOT, 'templates', 'init');

/** Scripts added to package.json when it has no script of that name. */
export const INIT_SCRIPTS: Readonly<Record<string, string>> = {
  test: 'vitest run',
  'check:models': 'foliocheck check --out foliocheck-traces',
};

/** Packages the scaffold imports; init names those package.json does not list. */
const NEEDED = ['foliocheck', 'xstate', 'vitest'];

/** Template files, as paths relative to the template directory, sorted. */
export function templateFiles(dir = TEMPLATE_DIR): string[] {
  const out: string[] = [];
  const walk = (sub: string): void => {
    for (const name of readdirSync(join(dir, sub)).sort()) {
      const rel = sub === '' ? name : `${sub}/${name}`;
      if (statSync(join(dir, rel)).isDirectory()) walk(rel);
      else out.push(rel);
    }
  };
  walk('');
  return out;
}

interface PackageJson {
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
}

function readPackageJson(file: string): PackageJson {
  let data: unknown;
  try {
    data = JSON.parse(readTextFile(file, 'package.json'));
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(
      'usage',
      `init: ${file} is not valid JSON (${(err as Error).message}); fix it first`,
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new InputError('usage', `init: ${file} is not a JSON object; fix it first`);
  return data as PackageJson;
}

export function initCommand(args: ParsedArgs, io: Io): number {
  if (args.positionals.length > 1)
    throw new InputError('usage', 'init: give at most one directory (init [DIR])');
  const dir = resolve(io.cwd, args.positionals[0] ?? '.');
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new InputError('usage', `init: ${dir} is a file; name a directory`);
  const files = templateFiles();
  const show = (p: string): string => relative(io.cwd, p) || '.';
  const clash = files.find((f) => existsSync(join(dir, f)));
  if (clash !== undefined)
    throw new InputError(
      'usage',
      `init: ${show(join(dir, clash))} already exists; nothing was written (init never overwrites: move it away or run init in another directory)`,
    );
  const pkgFile = join(dir, 'package.json');
  const pkg: PackageJson = existsSync(pkgFile)
    ? readPackageJson(pkgFile)
    : {
        name:
          basename(dir)
            .toLowerCase()
            .replace(/[^a-z0-9._-]/g, '-') || 'design-models',
        private: true,
        type: 'module',
      };
  const scripts = { ...pkg.scripts };
  // npm init's placeholder test script ("Error: no test specified") counts as absent.
  const absent = (name: string): boolean =>
    scripts[name] === undefined || (name === 'test' && /no test specified/.test(scripts[name]));
  const added = Object.entries(INIT_SCRIPTS).filter(([name]) => absent(name));
  for (const [name, command] of added) scripts[name] = command;
  for (const f of files) writeFileAtomic(join(dir, f), readTextFile(join(TEMPLATE_DIR, f), 'template'));
  const created = !existsSync(pkgFile);
  if (created || added.length > 0)
    writeFileAtomic(pkgFile, JSON.stringify({ ...pkg, scripts }, null, 2) + '\n');
  for (const f of files) io.out(`wrote ${show(join(dir, f))}\n`);
  if (created) io.out(`wrote ${show(pkgFile)}\n`);
  else if (added.length > 0)
    io.out(`added to ${show(pkgFile)}: scripts ${added.map(([name]) => `'${name}'`).join(', ')}\n`);
  const listed = { ...pkg.dependencies, ...pkg.devDependencies };
  const missing = NEEDED.filter((name) => listed[name] === undefined);
  io.out('\nnext:\n');
  if (missing.length > 0) io.out(`  npm install --save-dev ${missing.join(' ')}\n`);
  io.out(
    '  npx foliocheck check       # the fixed variant holds, check-then-commit has a counterexample\n' +
      '  npx vitest run             # verdicts and state counts as pinned\n',
  );
  return 0;
}
