// Output files: every write in src/ goes through writeFileAtomic (src/files.ts), so a
// killed run never leaves a half-written file; a run refused for bad input writes nothing,
// and an unusable output path is refused before the search starts.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const src = join(import.meta.dirname, '..', 'src');
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

describe('output files', () => {
  it('only src/files.ts writes files (writeFileAtomic is the one way out)', () => {
    const writers = sources(src).filter((f) =>
      /\b(writeFileSync|writeFile|appendFileSync|appendFile|createWriteStream|renameSync|openSync)\(/.test(
        readFileSync(f, 'utf8'),
      ),
    );
    expect(writers.map((f) => f.slice(src.length + 1))).toEqual(['files.ts']);
  });

  it('a run refused for bad input creates no output directory or file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'foliocheck-out-'));
    const out = join(dir, 'traces');
    const cp = join(dir, 'run.checkpoint.json');
    for (const argv of [
      ['check', 'gunyah-longterm-pin:longterm-pin', '--out', out, '--bogus'],
      ['check', 'gunyah-longterm-pin:nope', '--out', out],
      ['check', 'gunyah-longterm-pin:longterm-pin', '--out', out, '--set', 'pages=99'],
      ['check', 'gunyah-longterm-pin:longterm-pin', '--checkpoint', cp, '--strategy', 'dfs'],
      ['guards', 'gunyah-longterm-pin', '--out', out],
    ]) {
      const r = await runCli(argv);
      expect([r.code, r.out]).toEqual([2, '']);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an --out that is a file or a --checkpoint that is a directory is refused before the search', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'foliocheck-out-'));
    const file = join(dir, 'a-file');
    writeFileSync(file, 'keep');
    mkdirSync(join(dir, 'a-dir'));
    const cases = [
      ['check', 'gunyah-longterm-pin:longterm-pin', '--out', file],
      ['guards', 'gunyah-longterm-pin:longterm-pin', '--out', file],
      ['check', 'gunyah-longterm-pin:longterm-pin', '--checkpoint', join(dir, 'a-dir')],
    ];
    for (const argv of cases) {
      const r = await runCli(argv);
      expect([r.code, r.out]).toEqual([2, '']);
      expect(r.err).toMatch(/^foliocheck: .* is a (file|directory); name a (directory|file)\n$/);
    }
    expect(readFileSync(file, 'utf8')).toBe('keep');
    expect(existsSync(join(dir, 'a-dir', 'x'))).toBe(false);
  });
});
