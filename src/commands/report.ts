// `foliocheck report`: check model variants and write the design-review report (index.md,
// index.html, Graphviz state graphs, counterexample traces) into a directory, or with
// --check say whether the files there are exactly what this build would write.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkRun } from '../check.js';
import { readTextFile, writeFileAtomic } from '../files.js';
import { resolveParams } from '../params.js';
import type { AnyModel } from '../model.js';
import type { Selection } from '../registry.js';
import { collectRun } from '../report/collect.js';
import { renderDot } from '../report/dot.js';
import { renderHtml } from '../report/html.js';
import { dotFile, renderMarkdown } from '../report/markdown.js';
import { serializeTrace, withSource, type TraceSource } from '../trace.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { flag, option, type FlagSpec, type ParsedArgs } from './args.js';
import type { Io } from './io.js';
import { configFlag, openRegistry } from './models.js';

export const reportFlags: readonly FlagSpec[] = [
  { name: 'out', value: 'DIR', doc: 'directory to write the report into (default: reports)' },
  {
    name: 'check',
    doc: 'write nothing; exit 1 when the files in DIR differ from what this build would write (stale report)',
  },
  configFlag,
];

/**
 * Every file of the report, by path relative to the output directory, in a fixed order.
 * `sourceOf` says where a trace at that relative path records its model comes from.
 */
export function reportFiles(
  selections: readonly Selection[],
  sourceOf: (model: AnyModel, path: string) => TraceSource | undefined = () => undefined,
): Map<string, string> {
  const models = new Map<string, AnyModel>();
  const runs = selections.flatMap(({ model, variants }) => {
    models.set(model.id, model);
    const params = resolveParams(model, {});
    return variants.map((variant) => {
      const run = checkRun(model, params, variant, { engine: 'compiled', strategy: 'bfs', symmetry: true });
      return collectRun(run, model.title, model.variants[variant]?.doc ?? '');
    });
  });
  const tool = `${TOOL_NAME} ${TOOL_VERSION}`;
  const files = new Map<string, string>();
  files.set('index.md', renderMarkdown(runs, tool));
  files.set('index.html', renderHtml(runs, tool));
  for (const r of runs) {
    const graph = r.coverage.graph;
    if (graph !== undefined) files.set(dotFile(r), renderDot(`${r.model}:${r.variant}`, r.system, graph));
    for (const cx of r.counterexamples) {
      const path = `traces/${cx.file}`;
      const model = models.get(r.model);
      const source = model === undefined ? undefined : sourceOf(model, path);
      files.set(path, serializeTrace(withSource(cx.trace, source)));
    }
  }
  return files;
}

/** Generated files in `dir` (.dot, traces) that this report would not write. */
function leftovers(dir: string, files: ReadonlyMap<string, string>): string[] {
  const list = (sub: string, suffix: string): string[] => {
    const d = join(dir, sub);
    if (!existsSync(d)) return [];
    return readdirSync(d)
      .filter((f) => f.endsWith(suffix))
      .map((f) => (sub === '' ? f : `${sub}/${f}`));
  };
  return [...list('', '.dot'), ...list('traces', '.trace.json')].filter((f) => !files.has(f)).sort();
}

export async function reportCommand(args: ParsedArgs, io: Io): Promise<number> {
  const dir = option(args, 'out') ?? 'reports';
  const whole = args.positionals.length === 0;
  const registry = await openRegistry(args, io);
  const selections = await registry.select(args.positionals);
  const files = reportFiles(selections, (model, path) => registry.sourceFor(model, join(dir, path)));
  const extra = whole ? leftovers(dir, files) : [];
  if (flag(args, 'check')) {
    const stale = [...files].filter(([path, text]) => {
      const file = join(dir, path);
      return !existsSync(file) || readTextFile(file, 'report file') !== text;
    });
    for (const [path] of stale) io.out(`stale: ${join(dir, path)}\n`);
    for (const path of extra) io.out(`stale (no longer generated): ${join(dir, path)}\n`);
    if (stale.length + extra.length > 0) {
      io.out(
        `the report in ${dir} is stale; regenerate it with 'npm start' (or 'foliocheck report --out ${dir}')\n`,
      );
      return 1;
    }
    io.out(`the report in ${dir} is up to date (${files.size} files)\n`);
    return 0;
  }
  for (const [path, text] of files) writeFileAtomic(join(dir, path), text);
  for (const path of extra) rmSync(join(dir, path));
  io.out(`report: ${join(dir, 'index.md')}, ${join(dir, 'index.html')} and ${files.size - 2} more file(s)\n`);
  return 0;
}
