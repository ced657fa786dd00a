// The design-review report as plain text, for a reply on a mailing list: at most
// TEXT_WIDTH columns, ASCII charts, no markup. Per design: summary, sources, UNCONFIRMED
// assumptions, bound and parameters, the variants and what each changes, the verdict
// matrix, state-space figures, and per counterexample a message-sequence chart, the steps
// with the kernel function each event stands for and what it changed, and the command
// that replays it.
import { join } from 'node:path';
import type { Counterexample, ReportModel, ReportProperty, ReportRun, ReportStep } from './collect.js';
import { expectationText, propertyNames } from './collect.js';
import { chartColumns, sequenceChart } from './msc.js';
import { changeText } from './words.js';
import { labelled, TEXT_WIDTH, width, wrap } from './wrap.js';

/** Cell width of the verdict matrix: "unreached!" plus a space. */
const CELL = 11;

function heading(text: string, rule: string): string[] {
  const lines = wrap(text, TEXT_WIDTH);
  return [...lines, rule.repeat(Math.max(...lines.map(width)))];
}

function variantName(r: ReportRun): string {
  return r.flaws.length === 0 ? r.variant : `${r.variant} (${r.flaws.join(', ')})`;
}

/** Short verdict words for a matrix cell; `!` marks a verdict that is not the expected one. */
function cellText(p: ReportProperty | undefined): string {
  if (p === undefined) return '-';
  const word = p.result === 'vacuous' ? 'vacuous' : p.result;
  return p.ok ? word : `${word}!`;
}

/**
 * Rows are properties, columns the variants by number (named in the list above it); wide
 * designs continue in further blocks of columns.
 */
export function textMatrix(runs: readonly ReportRun[], indent = '  '): string[] {
  const props = propertyNames(runs);
  const nameWidth = Math.min(34, Math.max(8, ...props.map(width)));
  const perBlock = Math.max(1, Math.floor((TEXT_WIDTH - width(indent) - nameWidth - 1) / CELL));
  const lines: string[] = [];
  for (let from = 0; from < runs.length; from += perBlock) {
    const block = runs.slice(from, from + perBlock);
    const head = block.map((_, i) => String(from + i + 1).padEnd(CELL)).join('');
    if (from > 0) lines.push('');
    lines.push(`${indent}${'property'.padEnd(nameWidth)} ${head}`.trimEnd());
    for (const name of props) {
      const cells = block.map((r) => cellText(r.properties.find((p) => p.name === name)).padEnd(CELL));
      const label =
        width(name) > nameWidth
          ? `${Array.from(name)
              .slice(0, nameWidth - 1)
              .join('')}~`
          : name;
      lines.push(`${indent}${label.padEnd(nameWidth)} ${cells.join('')}`.trimEnd());
    }
  }
  return lines;
}

/** Sentences under the matrix: the verdicts that are not as expected, in words. */
function mismatchLines(runs: readonly ReportRun[]): string[] {
  const bad = runs.flatMap((r, i) =>
    r.properties.filter((p) => !p.ok).map((p) => `${i + 1} ${r.variant}: ${p.name} ${expectationText(p)}`),
  );
  if (bad.length === 0) return ['  Every verdict is the one its variant expects.'];
  return [
    `  NOT AS EXPECTED (${bad.length}, marked !):`,
    ...bad.flatMap((b) => wrap(b, TEXT_WIDTH, '    ', '      ')),
  ];
}

function boundLines(m: ReportModel): string[] {
  const first = m.runs[0];
  const depth = first?.maxDepth;
  const bound =
    depth === undefined
      ? 'Explored exhaustively (no depth bound).'
      : `Explored up to depth ${depth}: "holds" and "unreached" mean up to that depth.`;
  const params = m.params.map(
    (p) => [`${p.name}=${p.value}`, `${p.doc} (${p.min}..${p.max})`] as [string, string],
  );
  return [...wrap(bound, TEXT_WIDTH, '  '), ...labelled(params, '  ')];
}

function variantLines(runs: readonly ReportRun[]): string[] {
  const rows = runs.map((r, i): [string, string] => {
    const fix = r.fixedBy === undefined ? '' : ` Fixed by: ${r.fixedBy}.`;
    return [`${i + 1} ${variantName(r)}`, `${r.variantDoc}.${fix}`];
  });
  return rows
    .flatMap((row) => [
      ...labelled([row], '  ', TEXT_WIDTH, 30, Math.min(30, Math.max(...rows.map(([l]) => width(l))))),
      '',
    ])
    .slice(0, -1);
}

function stateSpaceLines(runs: readonly ReportRun[]): string[] {
  const rows = runs.map((r, i) => [
    `${i + 1} ${r.variant}`,
    String(r.states),
    String(r.transitions),
    String(r.depth),
    r.complete ? 'yes' : r.depthBounded ? `depth ${r.maxDepth}` : 'no',
  ]);
  const header = ['variant', 'states', 'transitions', 'depth', 'complete'];
  const widths = header.map((h, c) => Math.max(width(h), ...rows.map((r) => width(r[c] ?? ''))));
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((x, c) => (c === 0 ? x.padEnd(widths[c] ?? 0) : x.padStart(widths[c] ?? 0))).join('  ')}`;
  return [line(header), ...rows.map(line)];
}

/**
 * `npx foliocheck replay PATH` in lines of at most TEXT_WIDTH: one line when it fits, else
 * the directory in a shell variable first (copy both lines into a shell).
 */
export function replayCommandLines(path: string, indent = '  '): string[] {
  const one = `${indent}npx foliocheck replay ${path}`;
  if (width(one) <= TEXT_WIDTH) return [one];
  const slash = path.lastIndexOf('/');
  const file = path.slice(slash + 1);
  const dot = file.indexOf('.', file.indexOf('.') + 1);
  const splits: [string, string][] = [
    [path.slice(0, slash), `/${file}`],
    ...(dot > 0 ? [[path.slice(0, slash + 1 + dot), file.slice(dot)] as [string, string]] : []),
  ];
  for (const [head, tail] of splits) {
    const lines = [`${indent}t=${head}`, `${indent}npx foliocheck replay $t${tail}`];
    if (lines.every((l) => width(l) <= TEXT_WIDTH)) return lines;
  }
  return [one];
}

/** The per-step list under a chart: the event, the kernel function, what it changed. */
export function stepLines(steps: readonly ReportStep[], loop: number | null): string[] {
  const machineWidth = Math.min(16, Math.max(4, ...steps.flatMap((s) => s.touched.map(width))));
  return steps.flatMap((s) => {
    const refused =
      s.outcome === 'ok'
        ? ''
        : ` -> ${s.outcome}${s.refusedBy === undefined ? '' : ` (${s.refusedBy} refused)`}`;
    const mark = loop === s.index ? '  [loop starts]' : '';
    const head = wrap(
      `${s.actor}: ${s.label}${refused}${mark}`,
      TEXT_WIDTH,
      String(s.index + 1).padStart(4) + '  ',
      '        ',
    );
    const kernel =
      s.kernel === undefined ? [] : wrap(`kernel: ${s.kernel}`, TEXT_WIDTH, '      ', '        ');
    const changes = s.changes.map(
      (c) =>
        [
          c.machine,
          c.changed.length === 0 ? '(no change)' : c.changed.map((x) => changeText(x)).join(', '),
        ] as [string, string],
    );
    return [...head, ...kernel, ...labelled(changes, '      ', TEXT_WIDTH, machineWidth, machineWidth)];
  });
}

/** Machine states in words, one machine per row (actors that are no machine have none). */
export function stateBlock(
  ids: readonly string[],
  instances: readonly string[],
  states: readonly string[],
): string[] {
  const rows = ids.flatMap((id): [string, string][] => {
    const i = instances.indexOf(id);
    return i < 0 ? [] : [[id, states[i] ?? '']];
  });
  return labelled(rows, '    ', TEXT_WIDTH, 16, Math.min(16, Math.max(4, ...ids.map(width))));
}

export function counterexampleText(
  run: ReportRun,
  cx: Counterexample,
  n: number,
  tracesDir: string,
): string[] {
  const p = run.properties.find((q) => q.name === cx.property);
  const title = `[${n}] ${run.variant} violates ${cx.property}${p === undefined ? '' : ` (${p.ok ? 'as expected' : 'NOT as expected'})`}`;
  const columns = chartColumns(cx.steps, cx.culprits);
  const last = cx.steps[cx.steps.length - 1];
  return [
    ...wrap(title, TEXT_WIDTH),
    ...wrap(
      `${cx.doc}. ${cx.steps.length} event(s)${cx.loop === null ? '' : ', the last ones repeat forever'}.`,
      TEXT_WIDTH,
      '    ',
    ),
    '',
    ...sequenceChart(cx),
    '',
    '  Initial state',
    ...stateBlock(columns, run.instances, cx.initial),
    ...(cx.phases.length === 0
      ? []
      : ['', '  Phases', ...cx.phases.flatMap((d) => wrap(d, TEXT_WIDTH, '    ', '      '))]),
    '',
    '  Steps',
    ...stepLines(cx.steps, cx.loop),
    '',
    `  State after step ${last === undefined ? 0 : last.index + 1}`,
    ...stateBlock(columns, run.instances, last?.after ?? cx.initial),
    '',
    '  Replay:',
    ...replayCommandLines(join(tracesDir, cx.file), '    '),
  ];
}

/** The text report of one design; `tracesDir` is where its traces are written. */
export function renderText(m: ReportModel, tool: string, command: string, tracesDir: string): string {
  const cxs = m.runs.flatMap((r) => r.counterexamples.map((cx) => ({ r, cx })));
  const lines = [
    ...heading(m.title, '='),
    ...wrap(`${m.id}: generated by ${tool} with '${command}'.`, TEXT_WIDTH),
    '',
    ...wrap(m.summary, TEXT_WIDTH),
    '',
    'Sources',
    ...m.sources.flatMap((s) => wrap(s, TEXT_WIDTH, '  - ', '    ')),
    ...(m.unconfirmed.length === 0
      ? []
      : [
          '',
          'UNCONFIRMED (assumed, not established)',
          ...m.unconfirmed.flatMap((s) => wrap(s, TEXT_WIDTH, '  - ', '    ')),
        ]),
    '',
    'Bound and parameters',
    ...boundLines(m),
    '',
    'Variants',
    ...variantLines(m.runs),
    '',
    'Verdicts (rows: properties; columns: the variants above)',
    ...textMatrix(m.runs),
    '',
    ...mismatchLines(m.runs),
    '',
    'State space',
    ...stateSpaceLines(m.runs),
    '',
    ...heading(cxs.length === 0 ? 'Counterexamples: none' : `Counterexamples (${cxs.length})`, '-'),
    ...cxs.flatMap(({ r, cx }, i) => ['', ...counterexampleText(r, cx, i + 1, tracesDir)]),
  ];
  return lines.map((l) => l.trimEnd()).join('\n') + '\n';
}
