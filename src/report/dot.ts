// The explored state graph (without symmetry) as Graphviz: one node per distinct state,
// one edge per transition labelled with its event and any refusal, the initial state
// doubled and states that violate an invariant filled red with the invariants named.
import { eventLabel, type CompiledSystem } from '../system.js';
import type { StateGraph } from './coverage.js';
import { formatSnapshot } from '../format.js';

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

export function renderDot(name: string, sys: CompiledSystem, graph: StateGraph): string {
  const invariants = new Set(sys.properties.filter((p) => p.kind === 'always').map((p) => p.name));
  const lines = [`digraph ${quote(name)} {`, '  node [shape=circle, fontsize=10];', '  edge [fontsize=8];'];
  graph.worlds.forEach((world, i) => {
    const violated = (graph.marks[i] ?? []).filter((p) => invariants.has(p));
    const tooltip = world.map((s, j) => `${sys.instances[j]?.id ?? j}: ${formatSnapshot(s)}`).join('\n');
    const attrs = [`tooltip=${quote(tooltip)}`];
    if (i === 0) attrs.push('shape=doublecircle');
    if (violated.length > 0) {
      attrs.push(`label=${quote(`${i}\n✗ ${violated.join('\n✗ ')}`)}`, 'style=filled', 'fillcolor="#f4b4b4"');
    }
    lines.push(`  s${i} [${attrs.join(', ')}];`);
  });
  for (const [from, to, e, o] of graph.edges) {
    const ev = sys.events[e];
    const outcome = sys.outcomes[o] ?? 'ok';
    const label = `${ev === undefined ? e : eventLabel(ev)}${outcome === 'ok' ? '' : ` → ${outcome}`}`;
    lines.push(`  s${from} -> s${to} [label=${quote(label)}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
