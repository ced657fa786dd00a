// Inline SVG for the self-contained HTML report: a counterexample's sequence diagram (same
// participants and arrows as the Mermaid one) and a bar chart of states per BFS depth.
import type { Counterexample } from './collect.js';
import { arrowLabel, arrowTarget, participantsOf } from './mermaid.js';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const COL = 150;
const ROW = 34;
const TOP = 44;

/** Each arrow is `<g class="arrow" data-step="i">` so the explorer can highlight the current step. */
export function sequenceSvg(cx: Counterexample): string {
  const parts = participantsOf(cx.steps);
  const x = (p: string): number => 20 + COL / 2 + COL * Math.max(0, parts.indexOf(p));
  const width = 40 + COL * parts.length;
  const height = TOP + ROW * (cx.steps.length + 1) + 30;
  const out: string[] = [
    `<svg class="seq" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="sequence diagram">`,
    '<defs><marker id="arr" markerUnits="userSpaceOnUse" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="currentColor"/></marker></defs>',
  ];
  for (const p of parts) {
    out.push(
      `<line class="life" x1="${x(p)}" y1="${TOP - 10}" x2="${x(p)}" y2="${height - 10}"/>`,
      `<rect class="head" x="${x(p) - COL / 2 + 8}" y="6" width="${COL - 16}" height="26" rx="4"/>`,
      `<text class="head" x="${x(p)}" y="24" text-anchor="middle">${esc(p)}</text>`,
    );
  }
  cx.steps.forEach((s, i) => {
    const y = TOP + ROW * (i + 1);
    const from = x(s.actor);
    const to = x(arrowTarget(s));
    const refused = s.outcome !== 'ok';
    const cls = `arrow${refused ? ' refused' : ''}`;
    const path =
      from === to ? `M${from},${y - 8} h30 v12 h-28` : `M${from},${y} L${to + (to > from ? -4 : 4)},${y}`;
    const tx = from === to ? from + 36 : (from + to) / 2;
    const anchor = from === to ? 'start' : 'middle';
    out.push(
      `<g class="${cls}" data-step="${i}"><path d="${path}" fill="none" marker-end="url(#arr)"/>`,
      `<text x="${tx}" y="${y - 6}" text-anchor="${anchor}">${esc(arrowLabel(s))}</text></g>`,
    );
  });
  const last = cx.steps[cx.steps.length - 1];
  if (last !== undefined) {
    const xs = [last.actor, ...last.touched].map(x);
    const lo = Math.min(...xs) - 60;
    const hi = Math.max(...xs) + 60;
    const y = TOP + ROW * (cx.steps.length + 1) - 10;
    out.push(
      `<rect class="violation" x="${lo}" y="${y - 14}" width="${hi - lo}" height="22" rx="3"/>`,
      `<text class="violation" x="${(lo + hi) / 2}" y="${y + 1}" text-anchor="middle">✗ violated: ${esc(cx.property)}</text>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}

/** Bars of new distinct states per BFS depth, with the count above each bar. */
export function growthSvg(levels: readonly number[]): string {
  const bar = 28;
  const h = 120;
  const max = Math.max(1, ...levels);
  const width = 40 + bar * levels.length;
  const out = [
    `<svg class="growth" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h + 40}" viewBox="0 0 ${width} ${h + 40}" role="img" aria-label="new distinct states per BFS depth">`,
  ];
  levels.forEach((n, d) => {
    const bh = Math.max(1, Math.round((n / max) * h));
    const x = 30 + d * bar;
    out.push(
      `<rect x="${x}" y="${h + 14 - bh}" width="${bar - 6}" height="${bh}"><title>depth ${d}: ${n} new states</title></rect>`,
      `<text x="${x + (bar - 6) / 2}" y="${h + 10 - bh}" text-anchor="middle">${n}</text>`,
      `<text x="${x + (bar - 6) / 2}" y="${h + 30}" text-anchor="middle">${d}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}
