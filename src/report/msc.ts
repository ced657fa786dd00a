// An ASCII message-sequence chart of a counterexample, for plain-text mail (the shape of
// SPIN's MSC and herd7's litmus columns): one column per actor, then one per other
// machine the events moved; one line per event with `*` on the acting thread, `o` on each
// machine it moved and `x` on the machine that refused it; the loop of a lasso between
// two marker lines; the violated property on the last line, with `X` on the machines
// that break a per-machine invariant. Every line fits TEXT_WIDTH.
import type { ReportStep } from './collect.js';
import { TEXT_WIDTH, width, wrap } from './wrap.js';

export interface ChartInput {
  readonly steps: readonly ReportStep[];
  /** Lasso: index of the first step of the loop; else null. */
  readonly loop: number | null;
  /** Machines marked X on the last line. */
  readonly culprits: readonly string[];
  /** Last line, after the marks; omitted when undefined (a replay that diverged). */
  readonly violation: string | undefined;
}

/** Columns: actors in order of first appearance, then the other machines moved. */
export function chartColumns(steps: readonly ReportStep[], culprits: readonly string[] = []): string[] {
  const actors = [...new Set(steps.map((s) => s.actor))];
  const others = [...new Set([...steps.flatMap((s) => s.touched), ...culprits])].filter(
    (m) => !actors.includes(m),
  );
  return [...actors, ...others];
}

const GUTTER = 6;
const MIN_LABEL = 26;

/** The event text right of the columns: "convertCheck(page=0) -> EAGAIN". */
export function chartLabel(s: ReportStep): string {
  return s.outcome === 'ok' ? s.label : `${s.label} -> ${s.outcome}`;
}

/** Widest column spacing (6 down to 3) at which names and labels fit the line. */
function spacing(columns: readonly string[], labels: readonly string[], limit: number): number {
  const longest = Math.max(MIN_LABEL, ...labels.map(width));
  const fits = (s: number, label: number): boolean => {
    const labelAt = GUTTER + (columns.length - 1) * s + 4;
    return labelAt + label <= limit && columns.every((c, i) => GUTTER + i * s + width(c) <= limit);
  };
  for (const want of [longest, MIN_LABEL]) {
    for (let s = 6; s >= 3; s--) if (fits(s, want)) return s;
  }
  return 3;
}

export function sequenceChart(input: ChartInput, limit = TEXT_WIDTH): string[] {
  const columns = chartColumns(input.steps, input.culprits);
  const s = spacing(columns, input.steps.map(chartLabel), limit);
  const xs = columns.map((_, i) => GUTTER + i * s);
  const chartEnd = (xs[xs.length - 1] ?? GUTTER) + 1;
  const labelAt = chartEnd + 3;
  const lifelines = (mark = '|'): string[] => {
    const row = Array.from({ length: chartEnd }, () => ' ');
    for (const x of xs) row[x] = mark;
    return row;
  };
  const withText = (row: readonly string[], text: string): string[] => {
    const parts = wrap(text, limit - labelAt);
    const pad = (r: readonly string[]): string => r.join('').padEnd(labelAt);
    return parts.map((p, i) => (pad(i === 0 ? row : lifelines()) + p).trimEnd());
  };
  const lines: string[] = [];
  columns.forEach((name, i) => {
    const row = lifelines().slice(0, xs[i]);
    const room = limit - (xs[i] ?? 0);
    const shown =
      width(name) <= room
        ? name
        : `${Array.from(name)
            .slice(0, Math.max(1, room - 1))
            .join('')}~`;
    lines.push((row.join('') + shown).trimEnd());
  });
  lines.push(lifelines().join('').trimEnd());
  const col = (m: string): number => xs[columns.indexOf(m)] ?? -1;
  input.steps.forEach((step, i) => {
    if (input.loop === i) {
      lines.push(
        ...withText(lifelines(':'), `---- loop: steps ${i + 1}-${input.steps.length} repeat forever`),
      );
    }
    const row = lifelines();
    const involved = [step.actor, ...step.touched].map(col).filter((x) => x >= 0);
    const lo = Math.min(...involved);
    const hi = Math.max(...involved);
    for (let x = lo + 1; x < hi; x++) row[x] = '-';
    for (const m of step.touched) row[col(m)] = 'o';
    row[col(step.actor)] = '*';
    if (step.refusedBy !== undefined && col(step.refusedBy) >= 0) row[col(step.refusedBy)] = 'x';
    const num = String(step.index + 1).padStart(GUTTER - 2);
    row.splice(0, num.length, ...num.split(''));
    lines.push(...withText(row, chartLabel(step)));
  });
  if (input.loop !== null) {
    lines.push(...withText(lifelines(':'), `---- back to step ${input.loop + 1}`));
  }
  if (input.violation !== undefined) {
    const row = lifelines();
    for (const m of input.culprits) if (col(m) >= 0) row[col(m)] = 'X';
    lines.push(...withText(row, `** ${input.violation}`));
  }
  return lines;
}
