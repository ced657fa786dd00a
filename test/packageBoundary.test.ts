// The package boundary: models (the shipped catalogue and the machine/property library)
// import only the public API (src/index.ts), the library and xstate, so the shipped
// catalogue is one user of the API like any other; the engine (src/) never imports a model;
// the library entry points re-export every library file; package.json exports what the
// docs promise.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = process.cwd();

function tsFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return tsFiles(path);
      return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
    });
}

/** Module specifiers of every static import, export-from and dynamic import() of a file. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g))
    out.push(m[1] as string);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) out.push(m[1] as string);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1] as string);
  return out;
}

/** The repository file a relative specifier resolves to (.js → .ts as tsc resolves it). */
function target(file: string, spec: string): string {
  return relative(ROOT, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
}

/** Runtime imports only (type-only imports and exports are erased by the compiler). */
function runtimeSpecifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(import|export)\s+(type\s)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g))
    if (m[2] === undefined) out.push(m[3] as string);
  return out;
}

const library = [...tsFiles(join(ROOT, 'models')), ...tsFiles(join(ROOT, 'properties'))];

describe('package boundary', () => {
  it('finds the imports it checks (the scanner is not blind)', () => {
    const page = specifiers(join(ROOT, 'models/machines/page.ts'));
    expect(page).toContain('xstate');
    expect(page).toContain('../../src/index.js');
    expect(library.length).toBeGreaterThan(40);
  });

  it('models and the library import only src/index.ts, the library and xstate', () => {
    const bad = library.flatMap((file) =>
      specifiers(file)
        .filter((spec) => {
          if (!spec.startsWith('.')) return spec !== 'xstate';
          const to = target(file, spec);
          return !(to === 'src/index.ts' || to.startsWith('models/') || to.startsWith('properties/'));
        })
        .map((spec) => `${relative(ROOT, file)} imports ${spec}`),
    );
    expect(bad).toEqual([]);
  });

  it('the engine (src/) never imports models/ or properties/', () => {
    const bad = tsFiles(join(ROOT, 'src')).flatMap((file) =>
      specifiers(file)
        .filter((spec) => spec.startsWith('.') && /^(models|properties)\//.test(target(file, spec)))
        .map((spec) => `${relative(ROOT, file)} imports ${spec}`),
    );
    expect(bad).toEqual([]);
  });

  it('foliocheck stays light: src/index.ts loads no engine module (every TypeScript model loads it again)', () => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of runtimeSpecifiers(join(ROOT, file)))
        if (spec.startsWith('.')) visit(target(join(ROOT, file), spec));
    };
    visit('src/index.ts');
    expect(seen).toContain('src/model.ts');
    const engine = [...seen].filter((f) =>
      /^src\/(check|system|world|machines|registry|load|config|cli|progress|explore\/|commands\/)/.test(f),
    );
    expect(engine).toEqual([]);
  });

  it('foliocheck/machines and foliocheck/properties re-export every library file', () => {
    for (const dir of ['models/machines', 'properties']) {
      const index = readFileSync(join(ROOT, dir, 'index.ts'), 'utf8');
      const files = readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
      for (const f of files) {
        const name = f.replace(/\.ts$/, '');
        expect(index, `${dir}/index.ts`).toContain(`export * from './${name}.js';`);
        expect(index, `${dir}/index.ts`).toContain(`export * as ${name} from './${name}.js';`);
      }
    }
  });

  it('package.json exports the API, the library and the test helper with their types, and ships them', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, { types: string; default: string }>;
      files: string[];
      bin: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(pkg.exports['.']).toEqual({ types: './dist/src/index.d.ts', default: './dist/src/index.js' });
    expect(pkg.exports['./machines']?.default).toBe('./dist/models/machines/index.js');
    expect(pkg.exports['./properties']?.default).toBe('./dist/properties/index.js');
    expect(pkg.exports['./testing']?.types).toBe('./dist/src/testing.d.ts');
    expect(pkg.bin['foliocheck']).toBe('dist/src/bin.js');
    expect(pkg.files).toEqual(
      expect.arrayContaining(['dist/src', 'catalogue', 'templates', 'foliocheck.config.json']),
    );
    // The model loader is a runtime dependency.
    expect(Object.keys(pkg.dependencies)).toContain('tsx');
  });
});
