// The design-review report as Markdown that renders on GitHub and GitLab: verdict matrix,
// counterexamples (Mermaid sequence diagram + step table), state-space figures and coverage.
// Deterministic: the same runs give the same bytes (no timings, everything in a fixed order).
import type { Counterexample, ReportProperty, ReportRun } from './collect.js';
import { runId } from './collect.js';
import type { KindCoverage } from './coverage.js';
import { growthChart, sequenceDiagram } from './mermaid.js';

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

/** File name of a run's Graphviz state graph (written when the graph was kept). */
export function dotFile(r: { readonly model: string; readonly variant: string }): string {
  return `${r.model}.${r.variant}.dot`;
}

/** Anchor id of a counterexample (stable, GitHub-safe). */
export function cxAnchor(run: ReportRun, property: string): string {
  return `cx-${run.model}-${run.variant}-${property}`.replace(/[^A-Za-z0-9-]/g, '-').toLowerCase();
}

/** A verdict cell: the verdict, linked to its counterexample; a mismatch says what was expected. */
export function verdictCell(run: ReportRun, p: ReportProperty): string {
  const cx = run.counterexamples.some((c) => c.property === p.name);
  const text = cx ? `[${p.verdict}](#${cxAnchor(run, p.name)})` : p.verdict;
  if (p.ok) return `✓ ${text}`;
  return `⚠ **${text}** (expected ${p.expected ?? (p.kind === 'always' ? 'holds' : 'any')})`;
}

function groupByModel(runs: readonly ReportRun[]): ReportRun[][] {
  const groups = new Map<string, ReportRun[]>();
  for (const r of runs) groups.set(r.model, [...(groups.get(r.model) ?? []), r]);
  return [...groups.values()];
}

/** One table per model: a row per variant, a column per property. */
export function verdictMatrix(runs: readonly ReportRun[]): string {
  return groupByModel(runs)
    .map((group) => {
      const first = group[0] as ReportRun;
      const props = first.properties.map((p) => p.name);
      const rows = group.map((r) => [
        `\`${runId(r)}\`${r.flaws.length > 0 ? ` (${r.flaws.join(', ')})` : ''}`,
        ...props.map((name) => {
          const p = r.properties.find((q) => q.name === name);
          return p === undefined ? '-' : cell(verdictCell(r, p));
        }),
      ]);
      return `### ${first.model}\n\n${first.title}\n\n${mdTable(['model:variant (flaws)', ...props.map((p) => `\`${p}\``)], rows)}`;
    })
    .join('\n\n');
}

export function stepTable(cx: Counterexample, instances: readonly string[]): string {
  const rows = cx.steps.map((s) => {
    const states = s.touched.map((m) => `${m}: ${s.after[instances.indexOf(m)] ?? '?'}`);
    return [
      String(s.index + 1),
      cell(s.actor),
      `\`${cell(s.label)}\``,
      cell(s.outcome),
      cell(states.join('<br>')),
    ];
  });
  return mdTable(['#', 'actor', 'event', 'outcome', 'state after (machines moved)'], rows);
}

export function counterexampleSection(run: ReportRun, cx: Counterexample): string {
  return [
    `<a id="${cxAnchor(run, cx.property)}"></a>`,
    '',
    `### ${runId(run)} violates \`${cx.property}\``,
    '',
    `${cx.doc}. ${cx.steps.length} event(s); trace [\`traces/${cx.file}\`](traces/${cx.file}), replay with \`npx foliocheck replay reports/traces/${cx.file}\`.`,
    '',
    '```mermaid',
    sequenceDiagram(cx),
    '```',
    '',
    stepTable(cx, run.instances),
  ].join('\n');
}

export function stateSpaceSection(runs: readonly ReportRun[]): string {
  const rows = runs.map((r) => [
    `\`${runId(r)}\``,
    Object.entries(r.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ') || '-',
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
      'model:variant',
      'params',
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
  const charts = runs.map((r) =>
    [
      `#### ${runId(r)}: distinct states per BFS depth`,
      '',
      '```mermaid',
      growthChart(`${runId(r)}: new distinct states per depth`, r.levels),
      '```',
      '',
      mdTable(['depth', ...r.levels.map((_, d) => String(d))], [['new states', ...r.levels.map(String)]]),
    ].join('\n'),
  );
  return [
    '`states` counts distinct states as the check explored them (after symmetry reduction where it applies); `transitions` counts every successor generated; `depth` is the BFS depth of the deepest state.',
    '',
    table,
    '',
    ...charts,
  ].join('\n\n');
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
  const rows = k.values.map((v) => [
    v.visited > 0 ? '✓' : '✗',
    `\`${cell(v.value)}\``,
    `${v.visited}/${v.local}`,
  ]);
  const never = tr.filter((t) => t.fired === 0).map((t) => `${t.from} --${t.event}-->`);
  return [
    `**${k.kind}** (${k.instances.join(', ')}): ${k.visitedLocalStates}/${k.localStates} local states visited; ${values}/${k.values.length} state values; ${firedPairs}/${tr.length} (state value, event) transitions fired (${tr.reduce((n, t) => n + t.fired, 0)}/${tr.reduce((n, t) => n + t.possible, 0)} local transitions).`,
    '',
    mdTable(['', 'state value', 'local states visited'], rows),
    '',
    `Transitions that never fired: ${list(never)}.`,
  ].join('\n');
}

export function coverageSection(r: ReportRun): string {
  const c = r.coverage;
  const fired = c.events.filter((e) => e.fired > 0).length;
  const rows = c.events.map((e) => [
    e.fired > 0 ? '✓' : '✗',
    `\`${cell(e.label)}\``,
    String(e.fired),
    cell(e.outcomes.map(([o, n]) => `${o}×${n}`).join(' ') || '-'),
  ]);
  return [
    `### ${runId(r)}`,
    '',
    `Re-explored without symmetry: ${c.states} states, ${c.transitions} transitions${c.complete ? '' : ' (partial: the state limit was reached)'}. World events fired: ${fired}/${c.events.length}; never fired: ${list(c.events.filter((e) => e.fired === 0).map((e) => e.label))}.`,
    '',
    '<details><summary>World events and machine states</summary>',
    '',
    mdTable(['', 'world event', 'times fired', 'outcomes'], rows),
    '',
    ...c.kinds.map(kindSection).flatMap((s) => [s, '']),
    '</details>',
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

export function renderMarkdown(runs: readonly ReportRun[], tool: string): string {
  const cxs = runs.flatMap((r) => r.counterexamples.map((cx) => counterexampleSection(r, cx)));
  const mismatches = runs.flatMap((r) =>
    r.properties.filter((p) => !p.ok).map((p) => `${runId(r)} ${p.name}`),
  );
  const summary =
    mismatches.length === 0
      ? `Every verdict is as expected (${runs.length} model variants).`
      : `⚠ ${mismatches.length} verdict(s) differ from their expectation: ${mismatches.map((m) => `\`${m}\``).join(', ')}.`;
  return [
    '# foliocheck design-review report',
    '',
    `Generated by ${tool} with \`npx foliocheck report\` (regenerate everything with \`npm start\`). The interactive explorer is [index.html](index.html); state graphs of small models are the \`.dot\` files beside it.`,
    '',
    '## Verdict matrix',
    '',
    `${summary} ✓ marks a verdict that matches the variant's expectation, ⚠ one that does not. A violated verdict links to its counterexample.`,
    '',
    verdictMatrix(runs),
    '',
    '## Counterexamples',
    '',
    cxs.length === 0 ? 'No property is violated.' : cxs.join('\n\n'),
    '',
    '## State space',
    '',
    stateSpaceSection(runs),
    '',
    neverEnabledSection(runs),
    '',
    '## Coverage',
    '',
    "Which world events, machine state values and machine transitions the exploration exercised, and which never fired. A machine kind's possible local transitions are those of its compiled closure over the events the model sends it.",
    '',
    runs.map(coverageSection).join('\n\n'),
    '',
  ].join('\n');
}
