// `foliocheck report`: check model variants and write one design-review report per design
// into DIR/<model>/ (index.md, index.html, report.txt, a Graphviz graph per small variant),
// the counterexample traces into DIR/traces/, and for the whole catalogue an index over
// the designs; with --check say whether the files there are exactly what this build would
// write; with --format text print the plain-text report for mail instead. A limit or a
// signal that stops any of its searches writes nothing (exit 3): DIR stays as it was.
import { existsSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkRunAsync } from '../check.js';
import { InputError } from '../errors.js';
import { checkOutputPath, readTextFile, writeFileAtomic } from '../files.js';
import type { AnyModel } from '../model.js';
import { resolveParams } from '../params.js';
import type { Selection } from '../registry.js';
import { collectModel, collectRun, type ReportModel, type ReportRun } from '../report/collect.js';
import { GRAPH_MAX_STATES, measureCoverageAsync } from '../report/coverage.js';
import { renderDot } from '../report/dot.js';
import { renderIndexHtml, renderModelHtml } from '../report/html.js';
import { dotFile, renderIndexMarkdown, renderModelMarkdown } from '../report/markdown.js';
import { renderText } from '../report/text.js';
import { describeStop, stopExitCode, turnEventLoop, type StopReason } from '../stop.js';
import { serializeTrace, withSource, type TraceSource } from '../trace.js';
import { ownedTraceFiles } from '../traceDir.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { choiceOption, flag, option, type FlagSpec, type ParsedArgs } from './args.js';
import type { Io } from './io.js';
import { commandStop, limitFlags, parseLimits, type CommandStop } from './limits.js';
import { configFlag, openRegistry } from './models.js';

export const reportFlags: readonly FlagSpec[] = [
  { name: 'out', value: 'DIR', doc: 'directory to write the reports into (default: reports)' },
  {
    name: 'format',
    value: 'FORMAT',
    doc: 'files (default): write the reports; text: print the plain-text report (80 columns, for mail) and write only the traces it names',
  },
  {
    name: 'check',
    doc: 'write nothing; exit 1 when the files in DIR differ from what this build would write (stale report)',
  },
  ...limitFlags,
  configFlag,
];

/** The selected variants grouped by design, designs in the order first named. */
function designs(selections: readonly Selection[]): { model: AnyModel; variants: string[] }[] {
  const byModel = new Map<string, { model: AnyModel; variants: string[] }>();
  for (const { model, variants } of selections) {
    const entry = byModel.get(model.id) ?? { model, variants: [] };
    for (const v of variants) if (!entry.variants.includes(v)) entry.variants.push(v);
    byModel.set(model.id, entry);
  }
  return [...byModel.values()].map(({ model, variants }) => ({
    model,
    variants: Object.keys(model.variants).filter((v) => variants.includes(v)),
  }));
}

/** A report whose searches a limit or signal stopped: why, and in which variant. */
export interface ReportStopped {
  readonly reason: StopReason;
  readonly where: string;
}

/**
 * Checks the selected variants and gathers each design's report data. Every check and
 * coverage run is a search with its own budget from `stop` (limits, signals); the first
 * one stopped ends it all, since a report is written whole or not at all.
 */
export async function reportModels(
  selections: readonly Selection[],
  stop: CommandStop,
  io?: Io,
): Promise<ReportModel[] | ReportStopped> {
  const models: ReportModel[] = [];
  for (const { model, variants } of designs(selections)) {
    const params = resolveParams(model, {});
    const runs: ReportRun[] = [];
    for (const variant of variants) {
      const where = `${model.id}:${variant}`;
      await turnEventLoop();
      const signalled = stop.stopped();
      if (signalled !== undefined) return { reason: signalled, where };
      io?.debug?.(`search ${where} started`);
      const run = await checkRunAsync(model, params, variant, {
        engine: 'compiled',
        strategy: 'bfs',
        symmetry: true,
        shouldStop: stop.run().shouldStop,
      });
      if (run.stopReason !== undefined) return { reason: run.stopReason, where };
      const wantGraph = run.states <= GRAPH_MAX_STATES;
      const coverage = await measureCoverageAsync(run.system, run.maxDepth, wantGraph, stop.run().shouldStop);
      if ('stopped' in coverage) return { reason: coverage.stopped, where: `${where} (coverage)` };
      runs.push(collectRun(run, model, coverage));
    }
    models.push(collectModel(model, runs));
  }
  return models;
}

/** The command that regenerates a report, as printed in it. */
export function reportCommandLine(selectors: readonly string[], dir: string): string {
  return ['npx foliocheck report', ...selectors, '--out', dir].join(' ');
}

/** Says where a trace written to `traceFile` records its model comes from. */
type SourceOf = (modelId: string, traceFile: string) => TraceSource | undefined;

/** Trace files of the reported designs, by name, each recording its model's source. */
function traceFiles(models: readonly ReportModel[], dir: string, sourceOf: SourceOf): Map<string, string> {
  const files = new Map<string, string>();
  for (const m of models)
    for (const r of m.runs)
      for (const cx of r.counterexamples) {
        const source = sourceOf(m.id, join(dir, 'traces', cx.file));
        files.set(cx.file, serializeTrace(withSource(cx.trace, source)));
      }
  return files;
}

/** Every file of the report, by path relative to the output directory, in a fixed order. */
function filesOf(
  models: readonly ReportModel[],
  selectors: readonly string[],
  dir: string,
  sourceOf: SourceOf,
): Map<string, string> {
  const tool = `${TOOL_NAME} ${TOOL_VERSION}`;
  const command = reportCommandLine(selectors, dir);
  const whole = selectors.length === 0;
  const traces = join(dir, 'traces');
  const files = new Map<string, string>();
  if (whole) {
    files.set('index.md', renderIndexMarkdown(models, tool, command));
    files.set('index.html', renderIndexHtml(models, tool, command));
  }
  for (const m of models) {
    files.set(`${m.id}/index.md`, renderModelMarkdown(m, tool, command, traces, whole));
    files.set(`${m.id}/index.html`, renderModelHtml(m, tool, command, traces, whole));
    files.set(`${m.id}/report.txt`, renderText(m, tool, command, traces));
    for (const r of m.runs) {
      const graph = r.coverage.graph;
      if (graph !== undefined)
        files.set(`${m.id}/${dotFile(r)}`, renderDot(`${r.model}:${r.variant}`, r.system, graph));
    }
  }
  for (const [file, text] of traceFiles(models, dir, sourceOf)) files.set(`traces/${file}`, text);
  return files;
}

function listDir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Files this report names in a design directory. */
const DESIGN_FILE = /^(index\.md|index\.html|report\.txt|[^/]+\.dot)$/;

/**
 * Generated files in `dir` that this report owns but would not write: the Graphviz graphs
 * of the reported designs' directories and their traces (see src/traceDir.ts); for the
 * whole catalogue also `.dot` files directly in DIR (never written there), every trace, and the
 * report files of designs that no longer exist (directories holding a report.txt).
 */
function leftovers(
  dir: string,
  models: readonly ReportModel[],
  whole: boolean,
  files: ReadonlyMap<string, string>,
): string[] {
  const owned: string[] = [];
  for (const m of models) {
    owned.push(
      ...listDir(join(dir, m.id))
        .filter((f) => f.endsWith('.dot'))
        .map((f) => `${m.id}/${f}`),
    );
  }
  const tracesDir = join(dir, 'traces');
  if (whole) {
    owned.push(...listDir(dir).filter((f) => f.endsWith('.dot')));
    owned.push(
      ...listDir(tracesDir)
        .filter((f) => f.endsWith('.trace.json'))
        .map((f) => `traces/${f}`),
    );
    for (const sub of listDir(dir)) {
      const path = join(dir, sub);
      if (
        models.some((m) => m.id === sub) ||
        !statSync(path).isDirectory() ||
        !existsSync(join(path, 'report.txt'))
      )
        continue;
      owned.push(
        ...listDir(path)
          .filter((f) => DESIGN_FILE.test(f))
          .map((f) => `${sub}/${f}`),
      );
    }
  } else {
    const variants = models.flatMap((m) => m.runs.map((r) => ({ model: m.id, variant: r.variant })));
    owned.push(...ownedTraceFiles(tracesDir, variants).map((f) => `traces/${f}`));
  }
  return [...new Set(owned)].filter((f) => !files.has(f)).sort();
}

function removeFiles(dir: string, paths: readonly string[]): void {
  for (const path of paths) rmSync(join(dir, path));
  for (const sub of new Set(paths.filter((p) => p.includes('/')).map((p) => p.slice(0, p.indexOf('/'))))) {
    const d = join(dir, sub);
    if (existsSync(d) && readdirSync(d).length === 0) rmdirSync(d);
  }
}

export async function reportCommand(args: ParsedArgs, io: Io): Promise<number> {
  const dir = option(args, 'out') ?? 'reports';
  checkOutputPath(dir, 'dir', 'report: --out');
  const format = choiceOption<'files' | 'text'>(args, 'report', 'format', ['files', 'text'], 'files');
  const check = flag(args, 'check');
  if (check && format === 'text') {
    throw new InputError('usage', 'report: --check compares the files a report writes; drop --format text');
  }
  const limits = parseLimits(args, 'report');
  const selectors = args.positionals;
  const whole = selectors.length === 0;
  const registry = await openRegistry(args, io);
  const selections = await registry.select(selectors);
  const byId = new Map(selections.map((s) => [s.model.id, s.model] as const));
  const sourceOf: SourceOf = (id, traceFile) => {
    const model = byId.get(id);
    return model === undefined ? undefined : registry.sourceFor(model, traceFile);
  };
  const stop = commandStop(io, limits);
  let built: ReportModel[] | ReportStopped;
  try {
    built = await reportModels(selections, stop, io);
  } finally {
    stop.release();
  }
  if (!Array.isArray(built)) {
    const { reason, where } = built;
    const code = stopExitCode(reason);
    io.err(
      `foliocheck: report: ${describeStop(reason)} while checking ${where}; nothing written (a report is written whole or not at all); exit ${code}\n`,
    );
    return code;
  }
  const models = built;
  if (format === 'text') {
    const tool = `${TOOL_NAME} ${TOOL_VERSION}`;
    const command = `${reportCommandLine(selectors, dir)} --format text`;
    const text = models.map((m) => renderText(m, tool, command, join(dir, 'traces'))).join('\n\n');
    const traces = traceFiles(models, dir, sourceOf);
    const stale = leftovers(dir, models, false, new Map([...traces.keys()].map((f) => [`traces/${f}`, ''])));
    for (const [file, body] of traces) writeFileAtomic(join(dir, 'traces', file), body);
    removeFiles(
      dir,
      stale.filter((p) => p.startsWith('traces/')),
    );
    io.out(text);
    return 0;
  }
  const files = filesOf(models, selectors, dir, sourceOf);
  const extra = leftovers(dir, models, whole, files);
  if (check) {
    const stale = [...files].filter(([path, text]) => {
      const file = join(dir, path);
      return !existsSync(file) || readTextFile(file, 'report file') !== text;
    });
    for (const [path] of stale) io.out(`stale: ${join(dir, path)}\n`);
    for (const path of extra) io.out(`stale (no longer generated): ${join(dir, path)}\n`);
    if (stale.length + extra.length > 0) {
      io.out(`the report in ${dir} is stale; regenerate it with '${reportCommandLine(selectors, dir)}'\n`);
      return 1;
    }
    io.out(`the report in ${dir} is up to date (${files.size} files)\n`);
    return 0;
  }
  for (const [path, text] of files) writeFileAtomic(join(dir, path), text);
  removeFiles(dir, extra);
  const shown = whole
    ? [join(dir, 'index.md'), join(dir, 'index.html')]
    : models.flatMap((m) => [
        join(dir, m.id, 'index.md'),
        join(dir, m.id, 'index.html'),
        join(dir, m.id, 'report.txt'),
      ]);
  io.out(`report: ${shown.join(', ')} and ${files.size - shown.length} more file(s)\n`);
  return 0;
}
