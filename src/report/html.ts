// index.html: one self-contained page (inline CSS, script and data; no network) with the
// report's content plus an explorer per counterexample and each machine kind's statechart
// with the states the exploration visited. Deterministic like the Markdown.
import type { Counterexample, ReportRun } from './collect.js';
import { runId } from './collect.js';
import { CSS, SCRIPT } from './client.js';
import type { KindCoverage } from './coverage.js';
import { cxAnchor, dotFile } from './markdown.js';
import { statechart, type ChartNode } from './statechart.js';
import { participantsOf } from './mermaid.js';
import { esc, growthSvg, sequenceSvg } from './svg.js';

function table(header: readonly string[], rows: readonly (readonly string[])[], cls = ''): string {
  const head = `<tr>${header.map((h) => `<th>${h}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls === '' ? '' : ` class="${cls}"`}><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

function matrix(runs: readonly ReportRun[]): string {
  const models = [...new Set(runs.map((r) => r.model))];
  return models
    .map((m) => {
      const group = runs.filter((r) => r.model === m);
      const props = (group[0]?.properties ?? []).map((p) => p.name);
      const rows = group.map((r) => [
        `<code>${esc(runId(r))}</code>${r.flaws.length > 0 ? ` (${esc(r.flaws.join(', '))})` : ''}`,
        ...props.map((name) => {
          const p = r.properties.find((q) => q.name === name);
          if (p === undefined) return '-';
          const cx = r.counterexamples.some((c) => c.property === name);
          const text = cx ? `<a href="#${cxAnchor(r, name)}">${esc(p.verdict)}</a>` : esc(p.verdict);
          return p.ok
            ? `<span class="ok">✓ ${text}</span>`
            : `<span class="mismatch">⚠ ${text} (expected ${esc(p.expected ?? 'holds')})</span>`;
        }),
      ]);
      return `<h3>${esc(m)}</h3><p>${esc(group[0]?.title ?? '')}</p>${table(['model:variant (flaws)', ...props.map((p) => `<code>${esc(p)}</code>`)], rows, 'matrix')}`;
    })
    .join('\n');
}

function explorer(run: ReportRun, cx: Counterexample, index: number): string {
  const machines = run.instances
    .map((id, i) => `<tr><th>${esc(id)}</th><td class="state">${esc(cx.initial[i] ?? '')}</td></tr>`)
    .join('\n');
  const steps = cx.steps.map((s) => [
    String(s.index + 1),
    esc(s.actor),
    `<code>${esc(s.label)}</code>`,
    esc(s.outcome),
    esc(s.touched.join(', ')),
  ]);
  return `<section class="explorer" tabindex="0" data-cx="${index}" id="${cxAnchor(run, cx.property)}">
<h3>${esc(runId(run))} violates <code>${esc(cx.property)}</code></h3>
<p>${esc(cx.doc)}. ${cx.steps.length} event(s). Trace <a href="traces/${esc(cx.file)}"><code>traces/${esc(cx.file)}</code></a>; replay with <code>npx foliocheck replay reports/traces/${esc(cx.file)}</code>. Step with the buttons, or focus this box and use ← → Home End.</p>
<div class="controls"><button data-go="first">◀◀ first</button><button data-go="prev">◀ back</button><button data-go="next">next ▶</button><button data-go="last">last ▶▶</button><span class="position"></span><span class="current-event"></span></div>
${sequenceSvg(cx)}
<table class="machines"><thead><tr><th>machine</th><th>state after the current step</th></tr></thead><tbody>
${machines}
</tbody></table>
<details><summary>All steps</summary>${table(['#', 'actor', 'event', 'outcome', 'machines moved'], steps, 'steps')}</details>
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
  return `<li class="${cls}" data-path="${esc(node.path)}"><span class="node">${esc(node.key)}</span>${tr === '' ? '' : `<span class="tr">${tr}</span>`}${children === '' ? '' : `<ul>${children}</ul>`}</li>`;
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
  return `<details class="coverage" data-run="${esc(runId(run))}"><summary><b>${esc(runId(run))}</b>: ${fired}/${c.events.length} world events fired; ${c.states} states without symmetry${c.complete ? '' : ' (partial)'}</summary>
${table(['', 'world event', 'times fired', 'outcomes'], rows)}
${c.kinds.map((k) => kindBlock(run, k)).join('\n')}
</details>`;
}

function stateSpace(runs: readonly ReportRun[]): string {
  const rows = runs.map((r) => [
    `<code>${esc(runId(r))}</code>`,
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
        `<figure><figcaption>${esc(runId(r))}: new distinct states per BFS depth</figcaption>${growthSvg(r.levels)}</figure>`,
    )
    .join('\n');
  return `${table(
    [
      'model:variant',
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

/** The JSON the explorer script reads: per counterexample, machines and their states per step. */
function clientData(runs: readonly ReportRun[]): string {
  const counterexamples = runs.flatMap((r) =>
    r.counterexamples.map((cx) => ({
      run: runId(r),
      property: cx.property,
      instances: r.instances,
      initial: cx.initial,
      initialPaths: cx.initialPaths,
      steps: cx.steps,
    })),
  );
  return JSON.stringify({ counterexamples }).replace(/</g, '\\u003c');
}

export function renderHtml(runs: readonly ReportRun[], tool: string): string {
  const cxs = runs.flatMap((r) => r.counterexamples.map((cx) => ({ r, cx })));
  const explorers = cxs.map(({ r, cx }, i) => explorer(r, cx, i)).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>foliocheck design-review report</title><style>${CSS}</style></head>
<body>
<h1>foliocheck design-review report</h1>
<p>Generated by ${esc(tool)} with <code>npx foliocheck report</code>. The same content as <a href="index.md">index.md</a>, with an explorer per counterexample.</p>
<h2>Verdict matrix</h2>
<p>✓ the verdict matches the variant's expectation; ⚠ it does not. A violated verdict links to its counterexample.</p>
${matrix(runs)}
<h2>Counterexamples</h2>
${cxs.length === 0 ? '<p>No property is violated.</p>' : explorers}
<h2>State space</h2>
${stateSpace(runs)}
<h2>Coverage and statecharts</h2>
<p>Re-explored without symmetry: which world events, machine states and transitions fired, and each machine kind's statechart with the states visited.</p>
${runs.map(coverage).join('\n')}
<script type="application/json" id="foliocheck-data">${clientData(runs)}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
