// The HTML reports: one self-contained page per design (inline CSS, script, data and SVG;
// nothing loaded from anywhere) with the design's description, the verdict matrix, the
// explored state graph of each small variant with its counterexample paths, an explorer
// per counterexample, the growth of the search and each machine kind's statechart; and an
// index page over the designs. Deterministic like the Markdown.
import type { Counterexample, ReportModel, ReportProperty, ReportRun } from './collect.js';
import { expectationText, propertyNames, runId } from './collect.js';
import { CSS, SCRIPT } from './client.js';
import type { KindCoverage } from './coverage.js';
import { GRAPH_DRAW_MAX, graphSvg } from './graphSvg.js';
import { cxAnchor, dotFile } from './markdown.js';
import { participantsOf } from './mermaid.js';
import { statechart, type ChartNode } from './statechart.js';
import { esc, growthSvg, sequenceSvg } from './svg.js';
import { changeText } from './words.js';

function table(header: readonly string[], rows: readonly (readonly string[])[], cls = ''): string {
  const head = `<tr>${header.map((h) => `<th>${h}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls === '' ? '' : ` class="${cls}"`}><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

/** A verdict that says whether it is the expected one: neutral when it is, red when not. */
function verdictSpan(run: ReportRun, p: ReportProperty, target = ''): string {
  const cx = run.counterexamples.some((c) => c.property === p.name);
  const text = esc(expectationText(p));
  const linked = cx ? `<a href="${esc(target)}#${cxAnchor(run, p.name)}">${text}</a>` : text;
  return p.ok ? `<span class="expected">✓ ${linked}</span>` : `<span class="mismatch">⚠ ${linked}</span>`;
}

function variantLabel(r: ReportRun): string {
  return `<code>${esc(r.variant)}</code>${r.flaws.length > 0 ? ` (${esc(r.flaws.join(', '))})` : ''}`;
}

function matrix(runs: readonly ReportRun[], target = ''): string {
  const props = propertyNames(runs);
  const rows = runs.map((r) => [
    variantLabel(r),
    ...props.map((name) => {
      const p = r.properties.find((q) => q.name === name);
      return p === undefined ? '-' : verdictSpan(r, p, target);
    }),
  ]);
  return table(['variant (flaws)', ...props.map((p) => `<code>${esc(p)}</code>`)], rows, 'matrix');
}

function summarySentence(runs: readonly ReportRun[]): string {
  const bad = runs.flatMap((r) => r.properties.filter((p) => !p.ok).map((p) => `${runId(r)} ${p.name}`));
  return bad.length === 0
    ? `<p>Every verdict is the one its variant expects (${runs.length} variant(s)).</p>`
    : `<p class="mismatch">⚠ ${bad.length} verdict(s) are not the ones their variants expect: ${esc(bad.join(', '))}.</p>`;
}

function explorer(run: ReportRun, cx: Counterexample, index: number, tracesDir: string): string {
  const machines = run.instances
    .map((id, i) => `<tr><th>${esc(id)}</th><td class="state">${esc(cx.initial[i] ?? '')}</td></tr>`)
    .join('\n');
  const steps = cx.steps.map((s) => [
    `${s.index + 1}${cx.loop === s.index ? ' ⟲' : ''}`,
    esc(s.actor),
    `<code>${esc(s.label)}</code>`,
    s.kernel === undefined ? '' : `<code class="kernel">${esc(s.kernel)}</code>`,
    s.outcome === 'ok'
      ? 'ok'
      : `<b>${esc(s.outcome)}</b>${s.refusedBy === undefined ? '' : ` (${esc(s.refusedBy)})`}`,
    s.changes
      .filter((c) => c.changed.length > 0)
      .map((c) => `${esc(c.machine)}: ${esc(c.changed.map((x) => changeText(x, '→')).join(', '))}`)
      .join('<br>') || '(no change)',
  ]);
  const p = run.properties.find((q) => q.name === cx.property);
  const expectation =
    p === undefined ? '' : p.ok ? ' (as expected)' : ' <span class="mismatch">(not as expected)</span>';
  const loop = cx.loop === null ? '' : ` Steps ${cx.loop + 1}-${cx.steps.length} (⟲) repeat forever.`;
  return `<section class="explorer" tabindex="0" data-cx="${index}" id="${cxAnchor(run, cx.property)}">
<h3><code>${esc(run.variant)}</code> violates <code>${esc(cx.property)}</code>${expectation}</h3>
<p>${esc(cx.doc)}. ${cx.steps.length} event(s).${loop} Trace <a href="../traces/${esc(cx.file)}"><code>${esc(cx.file)}</code></a>; replay with <code>npx foliocheck replay ${esc(tracesDir)}/${esc(cx.file)}</code>. Step with the buttons, or focus this box and use ← → Home End.</p>
<div class="controls"><button data-go="first">◀◀ first</button><button data-go="prev">◀ back</button><button data-go="next">next ▶</button><button data-go="last">last ▶▶</button><span class="position"></span><span class="current-event"></span></div>
<div class="current-kernel"></div>
${sequenceSvg(cx)}
<table class="machines"><thead><tr><th>machine</th><th>state after the current step</th></tr></thead><tbody>
${machines}
</tbody></table>
<details><summary>All steps</summary>${table(['#', 'actor', 'event', 'kernel', 'outcome', 'changed'], steps, 'steps')}</details>
<details class="live-charts"><summary>Statecharts of the machines in this trace (current state outlined)</summary>${liveCharts(run, cx)}</details>
</section>`;
}

/** One statechart per machine the trace moved; the explorer outlines the states it is in. */
function liveCharts(run: ReportRun, cx: Counterexample): string {
  const sys = run.system;
  return participantsOf(cx.steps)
    .flatMap((id) => {
      const inst = sys.instanceIndex.get(id);
      const kind = inst === undefined ? undefined : sys.kinds[sys.instances[inst]?.kind ?? -1];
      if (inst === undefined || kind === undefined) return [];
      const visited = new Set(run.coverage.kinds.find((k) => k.kind === kind.name)?.visitedNodes ?? []);
      return [
        `<div class="live" data-inst="${inst}"><h4>${esc(id)} <small>(${esc(kind.name)})</small></h4><ul class="chart">${chartTree(statechart(kind.machine), visited)}</ul></div>`,
      ];
    })
    .join('\n');
}

function chartTree(node: ChartNode, visited: ReadonlySet<string>): string {
  const seen = node.path === '' || visited.has(node.path);
  const cls = `${seen ? 'visited' : 'unvisited'}${node.type === 'parallel' ? ' parallel' : ''}`;
  const tr = node.transitions.map((t) => `${esc(t.event)} → ${esc(t.targets)}`).join('; ');
  const children = node.children.map((c) => chartTree(c, visited)).join('');
  const doc = node.description === undefined ? '' : `<span class="doc">${esc(node.description)}</span>`;
  return `<li class="${cls}" data-path="${esc(node.path)}"><span class="node">${esc(node.key)}</span>${doc}${tr === '' ? '' : `<span class="tr">${tr}</span>`}${children === '' ? '' : `<ul>${children}</ul>`}</li>`;
}

function kindBlock(run: ReportRun, k: KindCoverage): string {
  const kind = run.system.kinds[run.system.kindIndex.get(k.kind) ?? -1];
  const chart =
    kind === undefined
      ? ''
      : `<ul class="chart">${chartTree(statechart(kind.machine), new Set(k.visitedNodes))}</ul>`;
  const values = k.values.map((v) => [
    v.visited > 0 ? '✓' : '✗',
    `<code>${esc(v.value)}</code>`,
    `${v.visited}/${v.local}`,
  ]);
  const never = k.transitions
    .filter((t) => t.fired === 0)
    .map((t) => `<code>${esc(`${t.from} --${t.event}-->`)}</code>`);
  return `<div class="kind" data-kind="${esc(k.kind)}"><h4>${esc(k.kind)} <small>(${esc(k.instances.join(', '))})</small></h4>
<p>${k.visitedLocalStates}/${k.localStates} local states visited; ${k.transitions.filter((t) => t.fired > 0).length}/${k.transitions.length} (state value, event) transitions fired. Statechart from the XState definition; green states were visited.</p>
${chart}
<details><summary>State values</summary>${table(['', 'state value', 'local states visited'], values)}</details>
<p>Transitions that never fired: ${never.length === 0 ? 'none' : never.join(', ')}</p></div>`;
}

function coverage(run: ReportRun): string {
  const c = run.coverage;
  const rows = c.events.map((e) => [
    e.fired > 0 ? '✓' : '✗',
    `<code>${esc(e.label)}</code>`,
    String(e.fired),
    esc(e.outcomes.map(([o, n]) => `${o}×${n}`).join(' ') || '-'),
  ]);
  const fired = c.events.filter((e) => e.fired > 0).length;
  return `<details class="coverage" data-run="${esc(runId(run))}"><summary><b>${esc(run.variant)}</b>: ${fired}/${c.events.length} world events fired; ${c.states} states without symmetry${c.complete ? '' : ' (partial)'}</summary>
${table(['', 'world event', 'times fired', 'outcomes'], rows)}
${c.kinds.map((k) => kindBlock(run, k)).join('\n')}
</details>`;
}

/** The explored graph of each variant small enough to draw, with its counterexample paths. */
function graphs(runs: readonly ReportRun[]): string {
  const figures = runs.flatMap((r) => {
    const g = r.coverage.graph;
    if (g === undefined || g.worlds.length > GRAPH_DRAW_MAX) {
      return [
        `<p><code>${esc(r.variant)}</code>: ${r.coverage.states} states without symmetry, too many to draw here${r.coverage.graph === undefined ? '' : `; the graph is in <a href="${esc(dotFile(r))}">${esc(dotFile(r))}</a>`}.</p>`,
      ];
    }
    const id = `graph-${r.variant}`.replace(/[^A-Za-z0-9-]/g, '-');
    const buttons = r.counterexamples
      .map(
        (cx, k) =>
          `<button data-graph="${esc(id)}" data-path="${k}" data-name="${esc(cx.property)}"${k === 0 ? ' class="on"' : ''}>${esc(cx.property)} (${cx.steps.length} steps)</button>`,
      )
      .join('');
    const what =
      r.counterexamples.length === 0
        ? 'No counterexample in this variant.'
        : `The thick path is the counterexample to <code class="path-name">${esc(r.counterexamples[0]?.property ?? '')}</code>, numbered by step; ${r.counterexamples.length > 1 ? 'show another: ' : ''}`;
    return [
      `<figure class="state-graph" data-run="${esc(runId(r))}"><figcaption><b><code>${esc(r.variant)}</code></b>: ${g.worlds.length} states, ${r.coverage.transitions} transitions, explored without symmetry. Layers are BFS depth from the ringed initial state; red states break an invariant; hover a state or edge for its machines or events. ${what}${r.counterexamples.length > 1 ? buttons : ''}</figcaption>
${graphSvg(r.system, g, r.counterexamples, id)}</figure>`,
    ];
  });
  return figures.join('\n');
}

function stateSpace(runs: readonly ReportRun[]): string {
  const rows = runs.map((r) => [
    `<code>${esc(r.variant)}</code>`,
    String(r.states),
    String(r.transitions),
    String(r.depth),
    r.complete ? 'yes' : r.depthBounded ? `up to depth ${r.maxDepth}` : 'no',
    r.symmetry ? 'on' : 'off',
    String(r.coverage.states),
    r.coverage.graph === undefined ? '-' : `<a href="${esc(dotFile(r))}">${esc(dotFile(r))}</a>`,
  ]);
  const charts = runs
    .map(
      (r) =>
        `<figure class="growth-chart"><figcaption><code>${esc(r.variant)}</code>: new distinct states per BFS depth</figcaption>${growthSvg(r.levels)}</figure>`,
    )
    .join('\n');
  return `${table(
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
  )}\n${charts}`;
}

function designHeader(m: ReportModel): string {
  const depth = m.runs[0]?.maxDepth;
  const bound =
    depth === undefined
      ? 'Explored exhaustively (no depth bound).'
      : `Explored up to depth ${depth}: “holds” and “unreached” mean up to that depth.`;
  const params = table(
    ['parameter', 'value', 'range', 'meaning'],
    m.params.map((p) => [`<code>${esc(p.name)}</code>`, String(p.value), `${p.min}..${p.max}`, esc(p.doc)]),
  );
  const unconfirmed =
    m.unconfirmed.length === 0
      ? ''
      : `<div class="unconfirmed"><b>UNCONFIRMED</b> (assumed by the model, not established):<ul>${m.unconfirmed.map((u) => `<li>${esc(u)}</li>`).join('')}</ul></div>`;
  return `<p class="summary">${esc(m.summary)}</p>
<p><b>Sources</b></p><ul>${m.sources.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>
${unconfirmed}
<p><b>Bound and parameters.</b> ${bound}</p>${m.params.length === 0 ? '' : params}`;
}

/** The JSON the explorer script reads: per counterexample, machines and their states per step. */
function clientData(runs: readonly ReportRun[]): string {
  const counterexamples = runs.flatMap((r) =>
    r.counterexamples.map((cx) => ({
      run: runId(r),
      property: cx.property,
      instances: r.instances,
      initial: cx.initial,
      initialPaths: cx.initialPaths,
      loop: cx.loop,
      steps: cx.steps.map((s) => ({
        actor: s.actor,
        label: s.label,
        outcome: s.outcome,
        kernel: s.kernel ?? null,
        touched: s.touched,
        after: s.after,
        paths: s.paths,
      })),
    })),
  );
  return JSON.stringify({ counterexamples }).replace(/</g, '\\u003c');
}

function htmlPage(title: string, body: string, data: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
${body}
<script type="application/json" id="foliocheck-data">${data}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}

/** The page of one design (`DIR/<model>/index.html`). */
export function renderModelHtml(
  m: ReportModel,
  tool: string,
  command: string,
  tracesDir: string,
  withIndex: boolean,
): string {
  const cxs = m.runs.flatMap((r) => r.counterexamples.map((cx) => ({ r, cx })));
  const explorers = cxs.map(({ r, cx }, i) => explorer(r, cx, i, tracesDir)).join('\n');
  const links = [
    '<a href="index.md">index.md</a>',
    '<a href="report.txt">plain text for mail</a>',
    ...(withIndex ? ['<a href="../index.html">all designs</a>'] : []),
  ];
  const variants = table(
    ['variant', 'flaws', 'what it changes', 'fixed by'],
    m.runs.map((r) => [
      `<code>${esc(r.variant)}</code>`,
      esc(r.flaws.join(', ') || '-'),
      esc(r.variantDoc),
      r.fixedBy === undefined ? '-' : `<code>${esc(r.fixedBy)}</code>`,
    ]),
  );
  const body = `<h1>${esc(m.title)}</h1>
<p>Design <code>${esc(m.id)}</code>. Generated by ${esc(tool)} with <code>${esc(command)}</code>; run it again to regenerate this report. Also: ${links.join(' · ')}.</p>
${designHeader(m)}
<h2>Variants</h2>
${variants}
<h2>Verdicts</h2>
${summarySentence(m.runs)}
${matrix(m.runs)}
<h2>State graphs</h2>
${graphs(m.runs)}
<h2>Counterexamples</h2>
${cxs.length === 0 ? '<p>No property is violated.</p>' : explorers}
<h2>State space</h2>
${stateSpace(m.runs)}
<h2>Coverage and statecharts</h2>
<p>Re-explored without symmetry: which world events, machine states and transitions fired, and each machine kind's statechart with the states visited.</p>
${m.runs.map(coverage).join('\n')}`;
  return htmlPage(`${m.id}: ${m.title}`, body, clientData(m.runs));
}

/** The index page over designs (`DIR/index.html`). */
export function renderIndexHtml(models: readonly ReportModel[], tool: string, command: string): string {
  const runs = models.flatMap((m) => m.runs);
  const rows = models.map((m) => [
    `<a href="${esc(m.id)}/index.html"><code>${esc(m.id)}</code></a>`,
    esc(m.title),
    String(m.runs.length),
    String(m.runs.reduce((n, r) => n + r.counterexamples.length, 0)),
    m.runs.every((r) => r.properties.every((p) => p.ok))
      ? '<span class="expected">all as expected</span>'
      : '<span class="mismatch">⚠ some not as expected</span>',
  ]);
  const matrices = models
    .map(
      (m) =>
        `<h3><a href="${esc(m.id)}/index.html">${esc(m.id)}</a></h3><p>${esc(m.title)}</p>${matrix(m.runs, `${m.id}/index.html`)}`,
    )
    .join('\n');
  const body = `<h1>foliocheck design-review reports</h1>
<p>Generated by ${esc(tool)} with <code>${esc(command)}</code>; run it again to regenerate these reports. One report per design; <a href="index.md">index.md</a> is the Markdown version.</p>
${table(['design', 'title', 'variants', 'counterexamples', 'verdicts'], rows)}
<h2>Verdict matrix</h2>
${summarySentence(runs)}
${matrices}`;
  return htmlPage('foliocheck design-review reports', body, JSON.stringify({ counterexamples: [] }));
}
