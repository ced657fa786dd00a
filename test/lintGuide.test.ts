// The modelling guide cannot rot: its worked example (docs/writing-models.md) is extracted
// from the Markdown — the model file, then every `$ npx foliocheck ...` command with the
// output shown under it — and run as a user runs it: the file in a directory of its own,
// the built CLI started there. Every command must exit 0 and print what the guide shows
// (timings aside).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const GUIDE = readFileSync(join(ROOT, 'docs', 'writing-models.md'), 'utf8');

/** The worked example: from its heading to the next heading of the same level. */
function example(): string {
  const start = GUIDE.indexOf('\n## A worked example');
  const end = GUIDE.indexOf('\n## ', start + 1);
  if (start < 0) throw new Error('docs/writing-models.md has no "## A worked example" section');
  return GUIDE.slice(start, end < 0 ? undefined : end);
}

interface Block {
  readonly info: string;
  readonly body: string;
}

function blocks(md: string): Block[] {
  return [...md.matchAll(/```([^\n]*)\n([\s\S]*?)```/g)].map((m) => ({
    info: (m[1] ?? '').trim(),
    body: m[2] ?? '',
  }));
}

interface Command {
  readonly argv: string[];
  readonly output: string;
}

/** `$ npx foliocheck ARGS` lines of the console blocks, each with the lines shown under it. */
function commands(bs: readonly Block[]): Command[] {
  return bs
    .filter((b) => b.info === 'console')
    .flatMap((b) =>
      b.body
        .split(/^\$ /m)
        .slice(1)
        .map((chunk): Command => {
          const [line = '', ...out] = chunk.split('\n');
          const words = line.trim().split(/\s+/);
          if (words[0] !== 'npx' || words[1] !== 'foliocheck')
            throw new Error(`guide: a console line that is not 'npx foliocheck': ${line}`);
          return { argv: words.slice(2), output: out.join('\n') };
        }),
    );
}

/** Output with the check table's seconds column blanked (timings differ run to run). */
function timeless(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(/(\s)\d+\.\d\d$/, '$1#.##'))
    .join('\n')
    .trimEnd();
}

describe('the worked example of docs/writing-models.md', () => {
  const bs = blocks(example());
  const file = bs.find((b) => /^ts\b.*title="my-model\.ts"/.test(b.info));
  // A directory below node_modules, so the example's own `import ... from 'xstate'` resolves
  // as in a user's project; `from 'foliocheck'` is the package's built entry point.
  const cache = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'foliocheck-guide-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has the model file and at least lint, check, replay and guards', () => {
    expect(file).toBeDefined();
    expect(commands(bs).map((c) => c.argv[0])).toEqual(
      expect.arrayContaining(['lint', 'check', 'replay', 'guards']),
    );
  });

  it('every command prints what the guide shows', () => {
    const source = (file?.body ?? '').replace(
      /from 'foliocheck'/g,
      `from '${join(ROOT, 'dist', 'src', 'index.js')}'`,
    );
    writeFileSync(join(dir, 'my-model.ts'), source);
    for (const c of commands(bs)) {
      let out: string;
      try {
        out = execFileSync(process.execPath, [join(ROOT, 'dist', 'src', 'bin.js'), ...c.argv], {
          cwd: dir,
          encoding: 'utf8',
          env: { ...process.env, NO_COLOR: '1' },
        });
      } catch (err) {
        const e = err as { status?: number; stdout?: string; stderr?: string };
        throw new Error(
          `npx foliocheck ${c.argv.join(' ')} exited ${String(e.status)}: ${e.stderr ?? ''}${e.stdout ?? ''}`,
          { cause: err },
        );
      }
      expect({ command: c.argv.join(' '), out: timeless(out) }).toEqual({
        command: c.argv.join(' '),
        out: timeless(c.output),
      });
    }
  });
});
