// File globs for config entries (`models/*.ts`, `tools/**/model-*.ts`): `*` and `?` match
// within one path segment, `**` matches any number of directories. Wildcards never enter
// node_modules or directories whose name starts with a dot. Results are sorted, so the
// order of models does not depend on the file system.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';

const WILD = /[*?]/;

function segmentRegex(segment: string): RegExp {
  const body = segment
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function children(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => !n.startsWith('.') && n !== 'node_modules');
  } catch {
    return [];
  }
}

function walk(dir: string, segments: readonly string[], out: Set<string>): void {
  const [head, ...rest] = segments;
  if (head === undefined) {
    if (isFile(dir)) out.add(dir);
    return;
  }
  if (head === '**') {
    walk(dir, rest, out);
    for (const name of children(dir)) {
      const sub = join(dir, name);
      if (isDir(sub)) walk(sub, segments, out);
    }
    return;
  }
  if (!WILD.test(head)) {
    const next = join(dir, head);
    if (existsSync(next)) walk(next, rest, out);
    return;
  }
  const re = segmentRegex(head);
  for (const name of children(dir)) if (re.test(name)) walk(join(dir, name), rest, out);
}

/** Absolute paths of the files `pattern` (relative to `base`, or absolute) matches, sorted. */
export function expandGlob(base: string, pattern: string): string[] {
  const abs = isAbsolute(pattern) ? pattern : resolve(base, pattern);
  if (!WILD.test(abs)) return isFile(abs) ? [abs] : [];
  const parts = abs.split(sep);
  const fixed = parts.findIndex((p) => WILD.test(p));
  const root = parts.slice(0, fixed).join(sep) || sep;
  const out = new Set<string>();
  walk(root, parts.slice(fixed), out);
  return [...out].sort();
}
