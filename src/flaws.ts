// The flaw table: every flaw of the flaw catalogues, the model variant that exhibits it,
// the property it breaks, how the counterexample arises (derived from the trace), its
// length, and the verdict of the variant that applies the fix — judged on every property
// of the model, not only the flaw's own.
import { fixAgreed, type FlawCatalogue } from './catalogue.js';
import type { PropertyResult, RunResult } from './check.js';
import { verdictText } from './model.js';
import type { PropertyKind } from './property.js';

export interface FlawRow {
  readonly flaw: string;
  readonly title: string;
  readonly variant: string;
  readonly property: string;
  readonly verdict: string;
  /** How the counterexample arises (see `mechanism`); '-' when there is none. */
  readonly mechanism: string;
  readonly length: number | null;
  readonly fix: string;
  readonly fixVerdict: string;
}

/**
 * How a counterexample arises, read off its events: `single call` (one event), `single-thread
 * sequence` (several events, all of one actor), `race of N actors` (events of N ≥ 2 actors
 * interleaved), `initial state` (violated before any event).
 */
export function mechanism(run: RunResult, path: readonly number[]): string {
  if (path.length === 0) return 'initial state';
  if (path.length === 1) return 'single call';
  const actors = new Set(path.map((e) => run.system.events[e]?.actor));
  return actors.size >= 2 ? `race of ${actors.size} actors` : 'single-thread sequence';
}

/** Invariants must hold in a fix; progress and reachability properties must be as declared. */
const INVARIANT_KINDS: readonly PropertyKind[] = ['always', 'deadlock-free'];

/**
 * The verdict of a fix on every property of its model: `holds` when every invariant holds
 * (a vacuous hold does not count) and every other property has its declared verdict;
 * otherwise what it breaks.
 */
export function fixVerdict(fix: RunResult): string {
  const problems = fix.properties.flatMap((p): string[] => {
    if (p.verdict === 'unknown') return [`${p.name} undecided`];
    if (INVARIANT_KINDS.includes(p.kind)) {
      if (p.verdict === 'holds') return [];
      return [p.verdict === 'violated' ? `breaks ${p.name}` : `${p.name} ${verdictText(p.verdict)}`];
    }
    if (p.expected === undefined || p.verdict === p.expected) return [];
    return [`${p.name} ${verdictText(p.verdict)} (declared ${verdictText(p.expected)})`];
  });
  return problems.length === 0 ? 'holds' : problems.join('; ');
}

/** Properties a flawed run breaks that its fix does not; all it breaks when the fix breaks them too. */
function flawProperties(run: RunResult, fix: RunResult | undefined): PropertyResult[] {
  const broken = run.properties.filter((p) => p.verdict === 'violated');
  if (fix === undefined) return broken;
  const fixed = broken.filter((p) => fix.properties.find((q) => q.name === p.name)?.verdict !== 'violated');
  return fixed.length > 0 ? fixed : broken;
}

export function flawRows(
  runs: readonly RunResult[],
  fixedBy: (r: RunResult) => string | undefined,
  catalogue: FlawCatalogue,
): FlawRow[] {
  const rows: FlawRow[] = [];
  // A catalogue is in play when some checked variant declares one of its flaws; every flaw
  // of such a catalogue gets a row, modelled or not.
  const declared = new Set(runs.flatMap((r) => r.flaws));
  const inPlay = new Set(catalogue.flaws.filter((f) => declared.has(f.id)).map((f) => f.catalogue));
  for (const entry of catalogue.flaws.filter((f) => inPlay.has(f.catalogue))) {
    const { id: flaw, title } = entry;
    const exhibits = runs.filter((r) => r.flaws.includes(flaw));
    if (exhibits.length === 0) {
      rows.push({
        flaw,
        title,
        variant: 'not modelled',
        property: '-',
        verdict: '-',
        mechanism: '-',
        length: null,
        fix: '-',
        fixVerdict: fixAgreed(entry) ? '-' : 'no fix agreed',
      });
      continue;
    }
    for (const run of exhibits) {
      const fixName = fixedBy(run);
      const fix = runs.find((r) => r.model === run.model && r.variant === fixName);
      const judged = !fixAgreed(entry)
        ? 'no fix agreed'
        : fix !== undefined
          ? fixVerdict(fix)
          : fixName === undefined
            ? 'no fix variant'
            : 'not checked';
      const fixLabel =
        fixName === undefined ? '-' : `${run.model}:${fixName}${fixAgreed(entry) ? '' : ' (candidate)'}`;
      const props = flawProperties(run, fix);
      const list = props.length > 0 ? props : [undefined];
      for (const p of list) {
        const path = p?.path;
        rows.push({
          flaw,
          title,
          variant: `${run.model}:${run.variant}`,
          property: p?.name ?? '(none violated)',
          verdict: p === undefined ? '-' : verdictText(p.verdict === 'unknown' ? 'unknown' : p.verdict),
          mechanism: path === undefined ? '-' : mechanism(run, path),
          length: path?.length ?? null,
          fix: fixLabel,
          fixVerdict: judged,
        });
      }
    }
  }
  return rows;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

export function renderFlaws(rows: readonly FlawRow[], catalogue: FlawCatalogue): string {
  const modelled = new Set(rows.filter((r) => r.variant !== 'not modelled').map((r) => r.flaw)).size;
  const listed = new Set(rows.map((r) => r.flaw));
  const names = [...new Set(catalogue.flaws.filter((f) => listed.has(f.id)).map((f) => f.catalogue))];
  const md = [
    '| flaw | what | model:variant | property | verdict | mechanism | counterexample | fix | fix verdict (every property) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows
      .map((r) =>
        [
          r.flaw,
          r.title,
          r.variant,
          r.property,
          r.verdict,
          r.mechanism,
          r.length === null ? '-' : `${r.length} event${r.length === 1 ? '' : 's'}`,
          r.fix,
          r.fixVerdict,
        ]
          .map(cell)
          .join(' | '),
      )
      .map((line) => `| ${line} |`),
  ].join('\n');
  return `# Flaws of the catalogue, rediscovered

Written by \`foliocheck check --flaws FILE\` from the checked models at
default parameters; flaw ids and titles from the flaw catalogue${names.length === 1 ? '' : 's'} ${names.map((n) => `'${n}'`).join(', ')}.
${modelled} of ${listed.size} flaws are modelled.

- **property**: one the flawed variant violates and its fix (the variant named by \`fixedBy\`)
  does not; when the fix violates it too, every property the flawed variant violates.
- **mechanism**, read off the counterexample's events: \`single call\` (one event),
  \`single-thread sequence\` (several events of one actor), \`race of N actors\` (events of
  N ≥ 2 actors). **counterexample**: its length, BFS-shortest; lassos count prefix and loop.
- **fix verdict** judges the fix on every property of its model: \`holds\` only when every
  invariant holds (\`holds (vacuous)\` does not count) and every progress and reachability
  property has its declared verdict; otherwise what it breaks. A flaw whose catalogue status
  is \`fix: none agreed\` shows \`no fix agreed\`, and its model's variant, if any, is a
  candidate.

${md}
`;
}
