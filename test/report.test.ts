// The design-review report: exact Markdown for a known counterexample (sequence diagram,
// verdict-matrix row), coverage and Graphviz figures, determinism, and the staleness check
// that makes CI fail when the committed reports/ no longer match the models.
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import gunyah from '../models/gunyah-longterm-pin.js';
import { checkRun } from '../src/check.js';
import { resolveParams } from '../src/params.js';
import { collectRun, type ReportRun } from '../src/report/collect.js';
import { renderDot } from '../src/report/dot.js';
import { renderMarkdown, verdictMatrix } from '../src/report/markdown.js';
import { mermaidText, sequenceDiagram } from '../src/report/mermaid.js';
import { runCli } from './helpers.js';

function reportRun(variant: 'longterm-pin' | 'fault-time-share'): ReportRun {
  const run = checkRun(gunyah, resolveParams(gunyah, {}), variant, {
    engine: 'compiled',
    strategy: 'bfs',
    symmetry: true,
  });
  return collectRun(run, gunyah.title, gunyah.variants[variant].doc);
}

const cells = (line: string): number => line.split(/(?<!\\)\|/).length;

describe('Markdown report', () => {
  const flawed = reportRun('longterm-pin');
  const fixed = reportRun('fault-time-share');

  it('draws the F1 counterexample as a Mermaid sequence diagram', () => {
    const cx = flawed.counterexamples[0];
    expect(cx?.property).toBe('no-longterm-pin-on-movable');
    expect(cx && sequenceDiagram(cx)).toBe(
      [
        'sequenceDiagram',
        '  participant P0 as vmm',
        '  participant P1 as page0',
        '  participant P2 as stage2_0',
        '  P0->>P1: 1. touch(page=0) → ok',
        '  P0->>P1: 2. setUserMemRegion() → ok [+stage2_0]',
        '  Note over P0,P2: ✗ violated: no-longterm-pin-on-movable',
      ].join('\n'),
    );
  });

  it('keeps Mermaid messages on one line without the characters that end or escape them', () => {
    expect(mermaidText('a;b#c\n  d')).toBe('a b c d');
  });

  it('puts each variant in one verdict-matrix row, linking violations to their counterexample', () => {
    const md = verdictMatrix([flawed, fixed]);
    expect(md).toContain(
      '| `gunyah-longterm-pin:longterm-pin` (F1) | ✓ [violated](#cx-gunyah-longterm-pin-longterm-pin-no-longterm-pin-on-movable) | ✓ reached | ✓ [violated](#cx-gunyah-longterm-pin-longterm-pin-movable-stays-migratable) | ✓ reached |',
    );
    expect(md).toContain(
      '| `gunyah-longterm-pin:fault-time-share` | ✓ holds | ✓ reached | ✓ holds | ✓ reached |',
    );
  });

  it('marks a verdict that differs from its expectation', () => {
    const wrong: ReportRun = {
      ...fixed,
      properties: fixed.properties.map((p, i) => (i === 0 ? { ...p, verdict: 'violated', ok: false } : p)),
    };
    expect(verdictMatrix([wrong])).toContain('| ⚠ **violated** (expected holds) |');
    expect(renderMarkdown([wrong], 't')).toContain('⚠ 1 verdict(s) differ from their expectation');
  });

  it('lists the state-space growth and the step table of the counterexample', () => {
    const md = renderMarkdown([flawed], 'foliocheck test');
    expect(md).toContain('| depth | 0 | 1 | 2 | 3 | 4 |');
    expect(md).toContain('  bar [1, 1, 2, 2, 1]');
    expect(md).toContain(
      '| 2 | vmm | `setUserMemRegion()` | ok | vmm: registered {page=0}<br>page0: attr=shared',
    );
    expect(md).toBe(renderMarkdown([reportRun('longterm-pin')], 'foliocheck test'));
  });

  it('gives every Markdown table row as many cells as its header', () => {
    const md = renderMarkdown([flawed, fixed], 't');
    let header = 0;
    const mismatched: string[] = [];
    let rows = 0;
    for (const line of md.split('\n')) {
      if (!line.startsWith('|')) header = 0;
      else if (header === 0) header = cells(line);
      else {
        if (cells(line) !== header) mismatched.push(line);
        rows++;
      }
    }
    expect(mismatched).toEqual([]);
    expect(rows).toBeGreaterThan(20);
  });

  it('measures coverage over the unreduced space: events, state values, transitions never fired', () => {
    const c = flawed.coverage;
    expect(c.states).toBe(7);
    expect(c.complete).toBe(true);
    const events = Object.fromEntries(c.events.map((e) => [e.label, e.fired]));
    expect(events['vmm: setUserMemRegion()']).toBeGreaterThan(0);
    const page = c.kinds.find((k) => k.kind === 'page');
    expect(page?.instances).toEqual(['page0']);
    // The region is pinned once: a second long-term pin of a pinned page never fires.
    const repin = page?.transitions.filter((t) => t.event === 'pin(longterm=true)') ?? [];
    expect(repin.filter((t) => t.fired === 0).map((t) => t.from.includes('pin=pinned'))).toEqual([
      true,
      true,
    ]);
    expect(repin.some((t) => t.fired > 0 && t.from.includes('pin=unpinned'))).toBe(true);
    expect(page?.visitedNodes).toContain('pin.pinned');
    const md = renderMarkdown([flawed], 't');
    expect(md).toMatch(/Transitions that never fired: .*pin=pinned.*--pin\(longterm=true\)-->/);
  });

  it('writes the state graph with the initial state doubled and violating states filled', () => {
    const graph = flawed.coverage.graph;
    expect(graph?.worlds).toHaveLength(7);
    const dot = graph === undefined ? '' : renderDot('g', flawed.system, graph);
    expect(dot).toMatch(/^digraph "g" \{/);
    expect(dot).toContain('s0 [label="0", tooltip="page0: attr=shared residency=absent');
    expect(dot).toContain('peripheries=2');
    expect(dot.match(/fillcolor/g)).toHaveLength(3);
    expect(dot).toContain('label="2\\n✗ no-longterm-pin-on-movable"');
    // 13 transitions, no two between the same pair of states: one labelled edge each.
    expect(dot.match(/ -> s\d+ \[label=/g)).toHaveLength(13);
    expect(dot).toContain('s3 -> s4 [label="vmm: setUserMemRegion()"]');
    const fixedDot = fixed.coverage.graph && renderDot('f', fixed.system, fixed.coverage.graph);
    expect(fixedDot).not.toContain('fillcolor');
  });
});

describe('foliocheck report', () => {
  it('the committed reports/ are what this build writes (regenerate with npm start)', async () => {
    const run = await runCli(['report', '--check', '--out', 'reports']);
    expect(run.out).toContain('is up to date');
    expect(run.code).toBe(0);
  });

  it('--check names a stale file and exits 1; writing fixes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'foliocheck-report-'));
    const first = await runCli(['report', 'gunyah-longterm-pin', '--out', dir]);
    expect(first.code).toBe(0);
    for (const f of ['index.md', 'index.html', 'gunyah-longterm-pin.longterm-pin.dot'])
      expect(existsSync(join(dir, f))).toBe(true);
    expect(
      existsSync(join(dir, 'traces/gunyah-longterm-pin.longterm-pin.no-longterm-pin-on-movable.trace.json')),
    ).toBe(true);
    writeFileSync(join(dir, 'index.md'), readFileSync(join(dir, 'index.md'), 'utf8') + 'edited\n');
    const stale = await runCli(['report', 'gunyah-longterm-pin', '--check', '--out', dir]);
    expect(stale.code).toBe(1);
    expect(stale.out).toContain(`stale: ${join(dir, 'index.md')}`);
    await runCli(['report', 'gunyah-longterm-pin', '--out', dir]);
    expect((await runCli(['report', 'gunyah-longterm-pin', '--check', '--out', dir])).code).toBe(0);
  });

  it('flags generated files that are no longer produced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'foliocheck-report-'));
    cpSync('reports', dir, { recursive: true });
    writeFileSync(join(dir, 'removed-model.spec.dot'), 'digraph {}\n');
    const run = await runCli(['report', '--check', '--out', dir]);
    expect(run.code).toBe(1);
    expect(run.out).toContain('stale (no longer generated)');
  });

  it('rejects an unknown model with one line and writes nothing', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'foliocheck-report-')), 'out');
    const run = await runCli(['report', 'no-such-model', '--out', dir]);
    expect(run.code).toBe(2);
    expect(run.err.trimEnd().split('\n')).toHaveLength(1);
    expect(existsSync(dir)).toBe(false);
  });
});
