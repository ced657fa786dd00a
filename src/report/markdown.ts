// The design-review report as Markdown that renders on GitHub and GitLab: one file per
// design (summary, sources, UNCONFIRMED assumptions, bound, variants, verdict matrix,
// counterexamples with a Mermaid sequence diagram and a step table naming the kernel
// function of each event, state-space figures, coverage) and an index over the designs.
// Deterministic: the same runs give the same bytes (no timings, everything in a fixed order).
import type { Counterexample, ReportModel, ReportProperty, ReportRun } from './collect.js';
import { expectationText, propertyNames, runId } from './collect.js';
import type { KindCoverage } from './coverage.js';
import { sequenceDiagram } from './mermaid.js';
import { changeText } from './words.js';

/** Escapes a table cell. */
export function cell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function mdRow(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

export function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [mdRow(header), mdRow(header.map(() => '---')), ...rows.map(mdRow)].join('\n');
}

/** File name of a run's Graphviz state graph, in its design's directory. */
export function dotFile(r: { readonly variant: string }): string {
  return `${r.variant}.dot`;
}

/** Anchor id of a counterexample (stable, GitHub-safe). */
export function cxAnchor(run: ReportRun, property: string): string {
  return `cx-${run.model}-${run.variant}-${property}`.replace(/[^A-Za-z0-9-]/g, '-').toLowerCase();
}

/**
 * A verdict cell that says itself whether it is the expected one: "✓ violated, as expected"
 * or "⚠ **violated, expected holds**", linked to the counterexample (`page` prefixes the
 * link when the counterexample is on another page).
 */
export function verdictCell(run: ReportRun, p: ReportProperty, page = ''): string {
  const cx = run.counterexamples.some((c) => c.property === p.name);
  const text = expectationText(p);
  const linked = cx ? `[${text}](${page}#${cxAnchor(run, p.name)})` : text;
  return p.ok ? `✓ ${linked}` : `⚠ **${linked}**`;
}

function variantLabel(r: ReportRun): string {
  return `\`${r.variant}\`${r.flaws.length > 0 ? ` (${r.flaws.join(', ')})` : ''}`;
}

/** A row per variant, a column per property. */
export function verdictMatrix(runs: readonly ReportRun[], page = ''): string {
  const props = propertyNames(runs);
  const rows = runs.map((r) => [
    variantLabel(r),
    ...props.map((name) => {
      const p = r.properties.find((q) => q.name === name);
      return p === undefined ? '-' : cell(verdictCell(r, p, page));
    }),
  ]);
  return mdTable(['variant (flaws)', ...props.map((p) => `\`${p}\``)], rows);
}

/** One sentence: every verdict as expected, or the ones that are not. */
export function expectationSummary(runs: readonly ReportRun[]): string {
  const bad = runs.flatMap((r) => r.properties.filter((p) => !p.ok).map((p) => `\`${runId(r)}\` ${p.name}`));
  return bad.length === 0
    ? `Every verdict is the one its variant expects (${runs.length} variant(s)).`
    : `⚠ ${bad.length} verdict(s) are not the ones their variants expect: ${bad.join(', ')}.`;
}

/** Rows of a counterexample: the event, the kernel function, what changed. */
export function stepTable(cx: Counterexample): string {
  const rows = cx.steps.map((s) => {
    const changed = s.changes
      .filter((c) => c.changed.length > 0)
      .map((c) => `${c.machine}: ${c.changed.map((x) => changeText(x, '→')).join(', ')}`);
    const outcome =
      s.outcome === 'ok' ? 'ok' : `**${s.outcome}**${s.refusedBy === undefined ? '' : ` (${s.refusedBy})`}`;
    return [
      `${s.index + 1}${cx.loop === s.index ? ' ⟲' : ''}`,
      cell(s.actor),
      `\`${cell(s.label)}\``,
      s.kernel === undefined ? '' : cell(s.kernel),
      cell(outcome),
      cell(changed.join('<br>') || '(no change)'),
    ];
  });
  return mdTable(['#', 'actor', 'event', 'kernel', 'outcome', 'changed'], rows);
}

export function counterexampleSection(run: ReportRun, cx: Counterexample, tracesDir: string): string {
  const p = run.properties.find((q) => q.name === cx.property);
  const expectation = p === undefined ? '' : p.ok ? ' (as expected)' : ' (**not as expected**)';
  const loop = cx.loop === null ? '' : ` Steps ${cx.loop + 1}-${cx.steps.length} (marked ⟲) repeat forever.`;
  return [
    `<a id="${cxAnchor(run, cx.property)}"></a>`,
    '',
    `### \`${run.variant}\` violates \`${cx.property}\`${expectation}`,
    '',
    `${cx.doc}. ${cx.steps.length} event(s).${loop} Trace [\`${cx.file}\`](../traces/${cx.file}); replay with \`npx foliocheck replay ${tracesDir}/${cx.file}\`.`,
    '',
    '```mermaid',
    sequenceDiagram(cx),
    '```',
    '',
    stepTable(cx),
  ].join('\n');
}

function bulletList(items: readonly string[]): string {
  return items.map((s) => `- ${s}`).join('\n');
}

function boundSection(m: ReportModel): string {
  const depth = m.runs[0]?.maxDepth;
  const bound =
    depth === undefined
      ? 'Explored exhaustively (no depth bound).'
      : `Explored up to depth ${depth}: "holds" and "unreached" mean up to that depth.`;
  const symmetry = m.runs.some((r) => r.symmetry)
    ? ' Symmetry reduction on where the model declares it.'
    : '';
  const params = mdTable(
    ['parameter', 'value', 'range', 'meaning'],
    m.params.map((p) => [`\`${p.name}\``, String(p.value), `${p.min}..${p.max}`, cell(p.doc)]),
  );
  return m.params.length === 0 ? `${bound}${symmetry} No parameters.` : `${bound}${symmetry}\n\n${params}`;
}

function variantsTable(runs: readonly ReportRun[]): string {
  return mdTable(
    ['variant', 'flaws', 'what it changes', 'fixed by'],
    runs.map((r) => [
      `\`${r.variant}\``,
      r.flaws.join(', ') || '-',
      cell(r.variantDoc),
      r.fixedBy === undefined ? '-' : `\`${r.fixedBy}\``,
    ]),
  );
}

function propertiesTable(runs: readonly ReportRun[]): string {
  const seen = new Map<string, ReportProperty>();
  for (const r of runs) for (const p of r.properties) if (!seen.has(p.name)) seen.set(p.name, p);
  return mdTable(
    ['property', 'kind', 'meaning'],
    [...seen.values()].map((p) => [`\`${p.name}\``, p.kind, cell(p.doc)]),
  );
}

export function stateSpaceSection(runs: readonly ReportRun[]): string {
  const rows = runs.map((r) => [
    `\`${r.variant}\``,
    String(r.states),
    String(r.transitions),
    String(r.depth),
    r.complete ? 'yes' : r.depthBounded ? `up to depth ${r.maxDepth}` : 'no',
    r.symmetry ? 'on' : 'off',
    String(r.coverage.states),
    r.coverage.graph === undefined ? '-' : `[${dotFile(r)}](${dotFile(r)})`,
  ]);
  const table = mdTable(
    [
      'variant',
      'states',
      'transitions',
      'depth',
      'complete',
      'symmetry',
      'states (no symmetry)',
      'state graph',
    ],
    rows,
  );
  const depth = Math.max(0, ...runs.map((r) => r.levels.length));
  const growth = mdTable(
    ['new states at depth', ...Array.from({ length: depth }, (_, d) => String(d))],
    runs.map((r) => [
      `\`${r.variant}\``,
      ...Array.from({ length: depth }, (_, d) => String(r.levels[d] ?? '-')),
    ]),
  );
  return [
    '`states` counts distinct states as the check explored them (after symmetry reduction where it applies); `transitions` counts every successor generated; `depth` is the BFS depth of the deepest state. The `.dot` files are the explored state graphs for Graphviz; [index.html](index.html) draws those of at most 400 states.',
    '',
    table,
    '',
    'Growth of the search: distinct states first reached at each BFS depth.',
    '',
    growth,
  ].join('\n');
}

function list(items: readonly string[], limit = 40): string {
  if (items.length === 0) return 'none';
  const shown = items.slice(0, limit).map((s) => `\`${s}\``);
  return items.length > limit ? `${shown.join(', ')} … and ${items.length - limit} more` : shown.join(', ');
}

function kindSection(k: KindCoverage): string {
  const values = k.values.filter((v) => v.visited > 0).length;
  const tr = k.transitions;
  const firedPairs = tr.filter((t) => t.fired > 0).length;
  const unvisited = k.values.filter((v) => v.visited === 0).map((v) => v.value);
  const never = tr.filter((t) => t.fired === 0).map((t) => `${t.from} --${t.event}-->`);
  return [
    `- **${k.kind}** (${k.instances.join(', ')}): ${k.visitedLocalStates}/${k.localStates} local states visited; ${values}/${k.values.length} state values; ${firedPairs}/${tr.length} (state value, event) transitions fired.`,
    `  State values never visited: ${list(unvisited)}.`,
    `  Transitions that never fired: ${list(never)}.`,
  ].join('\n');
}

export function coverageSection(r: ReportRun): string {
  const c = r.coverage;
  const fired = c.events.filter((e) => e.fired > 0).length;
  return [
    `### \`${r.variant}\``,
    '',
    `Re-explored without symmetry: ${c.states} states, ${c.transitions} transitions${c.complete ? '' : ' (partial: the state limit was reached)'}. World events fired: ${fired}/${c.events.length}; never fired: ${list(c.events.filter((e) => e.fired === 0).map((e) => e.label))}.`,
    '',
    ...c.kinds.map(kindSection),
  ].join('\n');
}

/** The lint's "never enabled" list of every run: world events the exhaustive check never took. */
export function neverEnabledSection(runs: readonly ReportRun[]): string {
  const listed = runs.filter((r) => (r.neverEnabled ?? []).length > 0);
  const open = runs.filter((r) => r.neverEnabled === undefined).map((r) => `\`${runId(r)}\``);
  const rows = listed.map((r) => [
    `\`${runId(r)}\``,
    (r.neverEnabled ?? []).map((e) => `\`${cell(e)}\``).join(', '),
  ]);
  return [
    '## World events never enabled',
    '',
    'World events that no reachable state enables, as the check found them (`foliocheck check` lists them too, and `--strict` makes them an error): where the design forbids a step in a variant this is expected; otherwise look for a misspelt event type or a guard that never holds, since an event that cannot fire cannot break an invariant.',
    '',
    listed.length === 0
      ? 'Every world event of every variant is enabled somewhere.'
      : mdTable(['model:variant', 'never enabled'], rows),
    ...(open.length === 0 ? [] : ['', `Not decided (the search was not exhaustive): ${open.join(', ')}.`]),
  ].join('\n');
}

/** Where the report came from and how to make it again (the command as run). */
function provenance(tool: string, command: string): string {
  return `Generated by ${tool} with \`${command}\`; run it again to regenerate this report.`;
}

/** The report of one design (`DIR/<model>/index.md`). */
export function renderModelMarkdown(
  m: ReportModel,
  tool: string,
  command: string,
  tracesDir: string,
  withIndex: boolean,
): string {
  const cxs = m.runs.flatMap((r) => r.counterexamples.map((cx) => counterexampleSection(r, cx, tracesDir)));
  const links = [
    '[interactive report with the state graphs](index.html)',
    '[plain text for mail](report.txt)',
    ...(withIndex ? ['[all designs](../index.md)'] : []),
  ];
  return [
    `# ${m.title}`,
    '',
    `Design \`${m.id}\`. ${provenance(tool, command)} Also: ${links.join(' · ')}.`,
    '',
    m.summary,
    '',
    '**Sources**',
    '',
    bulletList(m.sources),
    '',
    ...(m.unconfirmed.length === 0
      ? []
      : ['**UNCONFIRMED** (assumed by the model, not established)', '', bulletList(m.unconfirmed), '']),
    '**Bound and parameters.** ' + boundSection(m),
    '',
    '## Variants',
    '',
    variantsTable(m.runs),
    '',
    '## Verdicts',
    '',
    `${expectationSummary(m.runs)} A violated verdict links to its counterexample.`,
    '',
    verdictMatrix(m.runs),
    '',
    propertiesTable(m.runs),
    '',
    '## Counterexamples',
    '',
    cxs.length === 0 ? 'No property is violated.' : cxs.join('\n\n'),
    '',
    '## State space',
    '',
    stateSpaceSection(m.runs),
    '',
    neverEnabledSection(m.runs),
    '',
    '## Coverage',
    '',
    "Which world events, machine state values and transitions the exploration exercised. A machine kind's possible transitions are those of its compiled closure over the events the model sends it; [index.html](index.html) has the statecharts.",
    '',
    m.runs.map(coverageSection).join('\n\n'),
    '',
  ].join('\n');
}

/** The index over designs (`DIR/index.md`): one verdict matrix per design, linking its report. */
export function renderIndexMarkdown(models: readonly ReportModel[], tool: string, command: string): string {
  const runs = models.flatMap((m) => m.runs);
  const rows = models.map((m) => [
    `[\`${m.id}\`](${m.id}/index.md)`,
    cell(m.title),
    String(m.runs.length),
    String(m.runs.reduce((n, r) => n + r.counterexamples.length, 0)),
    m.runs.every((r) => r.properties.every((p) => p.ok)) ? 'all as expected' : '⚠ **some not as expected**',
  ]);
  const matrices = models.map((m) =>
    [`### [${m.id}](${m.id}/index.md)`, '', m.title, '', verdictMatrix(m.runs, `${m.id}/index.md`)].join(
      '\n',
    ),
  );
  return [
    '# foliocheck design-review reports',
    '',
    `${provenance(tool, command)} One report per design: open a design for its summary, sources, assumptions, counterexamples (with the kernel function of each step) and state graphs; [index.html](index.html) is the interactive version.`,
    '',
    mdTable(['design', 'title', 'variants', 'counterexamples', 'verdicts'], rows),
    '',
    '## Verdict matrix',
    '',
    expectationSummary(runs),
    '',
    matrices.join('\n\n'),
    '',
  ].join('\n');
}
