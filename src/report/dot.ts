// The explored state graph (without symmetry) as Graphviz: one node per distinct state,
// one edge per pair of states that some event links, listing those events and any refusal;
// the initial state doubled and states that violate an invariant filled red with the
// invariants named. Dense graphs take minutes in the `dot` layout, so beyond
// LABELLED_EDGES edges the file asks for the force-directed `sfdp` layout and moves the
// event names into edge tooltips (shown on hover in SVG).

/** Largest number of (merged) edges drawn with visible labels in the layered layout. */
export const LABELLED_EDGES = 80;
import { eventLabel, type CompiledSystem } from '../system.js';
import type { StateGraph } from './coverage.js';
import { stateText } from './words.js';

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

export function renderDot(name: string, sys: CompiledSystem, graph: StateGraph): string {
  const invariants = new Set(sys.properties.filter((p) => p.kind === 'always').map((p) => p.name));
  const lines = [
    `digraph ${quote(name)} {`,
    '  node [shape=box, style=rounded, fontsize=10];',
    '  edge [fontsize=8];',
  ];
  graph.worlds.forEach((world, i) => {
    const violated = (graph.marks[i] ?? []).filter((p) => invariants.has(p));
    const tooltip = world.map((s, j) => `${sys.instances[j]?.id ?? j}: ${stateText(s)}`).join('\n');
    const attrs = [`label=${quote(violated.length === 0 ? String(i) : `${i}\n✗ ${violated.join('\n✗ ')}`)}`];
    attrs.push(`tooltip=${quote(tooltip)}`);
    if (i === 0) attrs.push('peripheries=2');
    if (violated.length > 0) attrs.push('style="rounded,filled"', 'fillcolor="#f4b4b4"');
    lines.push(`  s${i} [${attrs.join(', ')}];`);
  });
  const merged = new Map<string, string[]>();
  for (const [from, to, e, o] of graph.edges) {
    const ev = sys.events[e];
    const outcome = sys.outcomes[o] ?? 'ok';
    const label = `${ev === undefined ? e : eventLabel(ev)}${outcome === 'ok' ? '' : ` → ${outcome}`}`;
    const key = `s${from} -> s${to}`;
    merged.set(key, [...(merged.get(key) ?? []), label]);
  }
  const attr = merged.size <= LABELLED_EDGES ? 'label' : 'tooltip';
  if (attr === 'tooltip') lines.splice(1, 0, '  graph [layout=sfdp, overlap=prism];');
  for (const [key, labels] of merged) lines.push(`  ${key} [${attr}=${quote(labels.join('\n'))}];`);
  lines.push('}');
  return lines.join('\n') + '\n';
}
