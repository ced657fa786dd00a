// Mermaid text for GitHub/GitLab: a counterexample as a sequenceDiagram (one participant
// per actor and per machine touched, one arrow per event with its outcome, the loop of a
// lasso in a `loop` block, the violated property noted at the end).
import type { Counterexample, ReportStep } from './collect.js';

/** Mermaid message text: no ';' '#' or line breaks, which end or escape a message. */
export function mermaidText(s: string): string {
  return s
    .replace(/[;#]/g, ' ')
    .replace(/[\r\n]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Participants in order of first appearance: each step's actor, then the machines it moved. */
export function participantsOf(steps: readonly ReportStep[]): string[] {
  const seen: string[] = [];
  const add = (id: string): void => {
    if (!seen.includes(id)) seen.push(id);
  };
  for (const s of steps) {
    add(s.actor);
    for (const m of s.touched) add(m);
  }
  return seen;
}

/** The machine an event's arrow points at (chosen when the step was folded). */
export function arrowTarget(s: ReportStep): string {
  return s.target;
}

/** Label of one arrow: "i. event(args) → outcome", with the other machines it moved. */
export function arrowLabel(s: ReportStep): string {
  const target = arrowTarget(s);
  const others = s.touched.filter((m) => m !== s.actor && m !== target);
  const also = others.length === 0 ? '' : ` [+${others.join(', ')}]`;
  return `${s.index + 1}. ${s.label} → ${s.outcome}${also}`;
}

export function sequenceDiagram(cx: Counterexample): string {
  const parts = participantsOf(cx.steps);
  const alias = new Map(parts.map((p, i) => [p, `P${i}`] as const));
  const id = (p: string): string => alias.get(p) ?? 'P0';
  const lines = ['sequenceDiagram'];
  for (const p of parts) lines.push(`  participant ${id(p)} as ${mermaidText(p)}`);
  for (const s of cx.steps) {
    if (cx.loop === s.index) lines.push('  loop repeats forever');
    const indent = cx.loop !== null && s.index >= cx.loop ? '    ' : '  ';
    const arrow = s.outcome === 'ok' ? '->>' : '-x';
    lines.push(`${indent}${id(s.actor)}${arrow}${id(arrowTarget(s))}: ${mermaidText(arrowLabel(s))}`);
  }
  if (cx.loop !== null && cx.steps.length > 0) lines.push('  end');
  const last = cx.steps[cx.steps.length - 1];
  if (last !== undefined) {
    const idx = [last.actor, ...last.touched].map((p) => parts.indexOf(p));
    const lo = `P${Math.min(...idx)}`;
    const hi = `P${Math.max(...idx)}`;
    const over = lo === hi ? lo : `${lo},${hi}`;
    lines.push(`  Note over ${over}: ✗ violated: ${mermaidText(cx.property)}`);
  }
  return lines.join('\n');
}
