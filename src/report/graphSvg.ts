// The explored state graph of a small variant as inline SVG, laid out here (no Graphviz,
// nothing loaded): states in layers by BFS depth from the initial state, each layer
// ordered by the barycentre of its neighbours (a few sweeps down and up, to cut crossings),
// edges between layers straight, edges within or back up a layer curved. The initial
// state is ringed twice, states that break an invariant are red, and each counterexample
// of the variant is an overlay path with its step numbers (the first one shown; the page
// script switches between them).
import { eventLabel, type CompiledSystem } from '../system.js';
import type { Counterexample } from './collect.js';
import type { StateGraph } from './coverage.js';
import { esc } from './svg.js';
import { stateText } from './words.js';

/** Largest graph drawn in the page (larger ones are left to the .dot file). */
export const GRAPH_DRAW_MAX = 400;

const DX = 30;
const DY = 64;
const R = 6;
const MARGIN = 24;

export interface Layout {
  /** BFS depth of each state (-1 when unreachable from state 0 along kept edges). */
  readonly depth: readonly number[];
  /** Position of each state within its layer. */
  readonly order: readonly number[];
  readonly layers: readonly (readonly number[])[];
}

/** Layers by BFS depth, ordered by barycentre sweeps; deterministic. */
export function layout(n: number, edges: readonly (readonly [number, number])[]): Layout {
  const out: number[][] = Array.from({ length: n }, () => []);
  const inc: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) {
    if (a === b) continue;
    out[a]?.push(b);
    inc[b]?.push(a);
  }
  const depth = Array.from({ length: n }, () => -1);
  if (n > 0) depth[0] = 0;
  const queue = n > 0 ? [0] : [];
  for (let q = 0; q < queue.length; q++) {
    const a = queue[q] as number;
    for (const b of out[a] ?? []) {
      if (depth[b] === -1) {
        depth[b] = (depth[a] ?? 0) + 1;
        queue.push(b);
      }
    }
  }
  const layers: number[][] = [];
  for (let i = 0; i < n; i++) {
    const d = depth[i] ?? -1;
    if (d < 0) continue;
    (layers[d] ??= []).push(i);
  }
  const order = Array.from({ length: n }, () => 0);
  const place = (): void => layers.forEach((l) => l.forEach((s, i) => (order[s] = i)));
  place();
  const sweep = (layer: number[], neighbours: readonly number[][], near: number): void => {
    const key = new Map<number, number>();
    for (const s of layer) {
      const ns = (neighbours[s] ?? []).filter((t) => depth[t] === near);
      key.set(s, ns.length === 0 ? (order[s] ?? 0) : ns.reduce((a, t) => a + (order[t] ?? 0), 0) / ns.length);
    }
    layer.sort((a, b) => (key.get(a) ?? 0) - (key.get(b) ?? 0) || a - b);
    layer.forEach((s, i) => (order[s] = i));
  };
  for (let iter = 0; iter < 4; iter++) {
    for (let d = 1; d < layers.length; d++) sweep(layers[d] ?? [], inc, d - 1);
    for (let d = layers.length - 2; d >= 0; d--) sweep(layers[d] ?? [], out, d + 1);
  }
  return { depth, order, layers };
}

/** The states a counterexample passes through in the graph, following its events from state 0. */
export function pathNodes(graph: StateGraph, path: readonly number[]): number[] | undefined {
  const next = new Map<string, number>();
  for (const [a, b, e] of graph.edges) next.set(`${a}:${e}`, b);
  const nodes = [0];
  for (const e of path) {
    const b = next.get(`${nodes[nodes.length - 1]}:${e}`);
    if (b === undefined) return undefined;
    nodes.push(b);
  }
  return nodes;
}

export function graphSvg(
  sys: CompiledSystem,
  graph: StateGraph,
  counterexamples: readonly Counterexample[],
  id: string,
): string {
  const n = graph.worlds.length;
  const invariants = new Set(sys.properties.filter((p) => p.kind === 'always').map((p) => p.name));
  const merged = new Map<string, { a: number; b: number; labels: string[] }>();
  for (const [a, b, e, o] of graph.edges) {
    if (a === b) continue;
    const key = `${a}>${b}`;
    const ev = sys.events[e];
    const outcome = sys.outcomes[o] ?? 'ok';
    const label = `${ev === undefined ? e : eventLabel(ev)}${outcome === 'ok' ? '' : ` -> ${outcome}`}`;
    const m = merged.get(key) ?? { a, b, labels: [] };
    m.labels.push(label);
    merged.set(key, m);
  }
  const { depth, order, layers } = layout(
    n,
    [...merged.values()].map((m) => [m.a, m.b] as const),
  );
  const widest = Math.max(1, ...layers.map((l) => l.length));
  const width = MARGIN * 2 + widest * DX;
  const height = MARGIN * 2 + Math.max(0, layers.length - 1) * DY + 20;
  const xy = (s: number): [number, number] => {
    const layer = layers[depth[s] ?? 0] ?? [];
    const x = MARGIN + ((widest - layer.length) / 2) * DX + (order[s] ?? 0) * DX + DX / 2;
    return [Math.round(x), MARGIN + (depth[s] ?? 0) * DY];
  };
  const segment = (a: number, b: number): string => {
    const [x1, y1] = xy(a);
    const [x2, y2] = xy(b);
    if ((depth[b] ?? 0) === (depth[a] ?? 0) + 1) return `M${x1},${y1} L${x2},${y2}`;
    // Within a layer or back up: bow out sideways so the edge does not run over nodes.
    const bend = Math.max(DX, Math.abs(y2 - y1) / 3) * (x2 >= x1 ? 1 : -1);
    return `M${x1},${y1} Q${Math.round((x1 + x2) / 2 + bend)},${Math.round((y1 + y2) / 2 - DY / 3)} ${x2},${y2}`;
  };
  const parts: string[] = [
    `<svg class="graph" id="${esc(id)}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="explored state graph">`,
    `<defs><marker id="${esc(id)}-head" markerUnits="userSpaceOnUse" markerWidth="7" markerHeight="7" refX="${R + 6}" refY="3.5" orient="auto"><path d="M0,0 L7,3.5 L0,7 z" class="head"/></marker></defs>`,
    '<g class="edges">',
  ];
  for (const m of merged.values()) {
    parts.push(
      `<path d="${segment(m.a, m.b)}" marker-end="url(#${esc(id)}-head)"><title>${esc(m.labels.join('\n'))}</title></path>`,
    );
  }
  parts.push('</g>');
  const paths = counterexamples.map((cx) => pathNodes(graph, cx.path));
  paths.forEach((nodes, k) => {
    if (nodes === undefined) return;
    const cls = `cxpath${k === 0 ? '' : ' hidden'}`;
    parts.push(`<g class="${cls}" data-cx="${k}">`);
    const cx = counterexamples[k];
    nodes.slice(1).forEach((b, i) => {
      const a = nodes[i] as number;
      if (a === b) return;
      const d = segment(a, b);
      const [x1, y1] = xy(a);
      const [x2, y2] = xy(b);
      const step = cx?.steps[i];
      const label = `${i + 1}${step === undefined ? '' : ` ${step.label.replace(/\(.*$/, '')}`}`;
      parts.push(
        `<path d="${d}"/><text x="${Math.round((x1 + x2) / 2) + 6}" y="${Math.round((y1 + y2) / 2)}">${esc(label)}</text>`,
      );
    });
    const end = nodes[nodes.length - 1];
    if (end !== undefined && cx !== undefined) {
      const [x, y] = xy(end);
      const text =
        cx.loop === null ? `✗ ${cx.property}` : `✗ ${cx.property} (loop back to step ${cx.loop + 1})`;
      parts.push(`<text class="verdict" x="${x + R + 4}" y="${y + 16}">${esc(text)}</text>`);
    }
    parts.push('</g>');
  });
  parts.push('<g class="nodes">');
  for (let s = 0; s < n; s++) {
    if ((depth[s] ?? -1) < 0) continue;
    const [x, y] = xy(s);
    const bad = (graph.marks[s] ?? []).filter((p) => invariants.has(p));
    const onPath = paths.flatMap((nodes, k) => (nodes?.includes(s) === true ? [k] : []));
    const cls = [
      'state',
      bad.length > 0 ? 'bad' : '',
      s === 0 ? 'initial' : '',
      onPath.includes(0) ? 'on' : '',
    ]
      .filter((c) => c !== '')
      .join(' ');
    const title = [
      `state ${s} (depth ${depth[s]})${bad.length > 0 ? `: violates ${bad.join(', ')}` : ''}`,
      ...(graph.worlds[s] ?? []).map((snap, i) => `${sys.instances[i]?.id ?? i}: ${stateText(snap)}`),
    ].join('\n');
    parts.push(
      `<g class="${cls}" data-on="${onPath.join(' ')}">${s === 0 ? `<circle r="${R + 3}" cx="${x}" cy="${y}" class="ring"/>` : ''}<circle r="${R}" cx="${x}" cy="${y}"><title>${esc(title)}</title></circle></g>`,
    );
  }
  parts.push('</g>', '</svg>');
  return parts.join('\n');
}
