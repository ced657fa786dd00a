// The design-review reports: exact Markdown for a known counterexample (sequence diagram,
// verdict-matrix row), verdicts that say in words whether they are expected, step tables
// with the kernel function of each event, coverage and Graphviz figures, determinism, the
// per-design layout, and the staleness check that makes CI fail when the committed
// reports/ no longer match the models.
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import gunyah from '../models/gunyah-longterm-pin.js';
import inplace from '../models/guest-memfd-inplace.js';
import { checkRun } from '../src/check.js';
import type { AnyModel } from '../src/model.js';
import { resolveParams } from '../src/params.js';
import {
  collectModel,
  collectRun,
  expectationText,
  verdictWithBound,
  type ReportRun,
} from '../src/report/collect.js';
import { renderDot } from '../src/report/dot.js';
import { layout, pathNodes } from '../src/report/graphSvg.js';
import { renderModelMarkdown, stepTable, verdictMatrix } from '../src/report/markdown.js';
import { mermaidText, sequenceDiagram } from '../src/report/mermaid.js';
import { stateChanges, stateText, valueWord } from '../src/report/words.js';
import { runCli } from './helpers.js';

function reportRun(model: AnyModel, variant: string): ReportRun {
  const run = checkRun(model, resolveParams(model, {}), variant, {
    engine: 'compiled',
    strategy: 'bfs',
    symmetry: true,
  });
  return collectRun(run, model);
}

const cells = (line: string): number => line.split(/(?<!\\)\|/).length;

describe('Markdown report', () => {
  const flawed = reportRun(gunyah, 'longterm-pin');
  const fixed = reportRun(gunyah, 'fault-time-share');

  it('draws the F1 counterexample as a Mermaid sequence diagram', () => {
    const cx = flawed.counterexamples[0];
    expect(cx?.property).toBe('no-longterm-pin-on-movable');
    expect(cx && sequenceDiagram(cx)).toBe(
      [
        'sequenceDiagram',
        '  participant P0 as vmm',
        '  participant P1 as movable0',
        '  participant P2 as stage2_0',
        '  P0->>P1: 1. touch(page=0) → ok',
        '  P0->>P0: 2. setUserMemRegion(data=movable) → ok',
        '  P0->>P1: 3. pinAndMap() → ok [+stage2_0]',
        '  Note over P0,P2: ✗ violated: no-longterm-pin-on-movable',
      ].join('\n'),
    );
  });

  it('keeps Mermaid messages on one line without the characters that end or escape them', () => {
    expect(mermaidText('a;b#c\n  d')).toBe('a b c d');
  });

  it('says in each verdict cell whether the verdict is the expected one, linking violations', () => {
    const md = verdictMatrix([flawed, fixed]);
    expect(md).toContain(
      '| `longterm-pin` (F1) | ✓ [violated, as expected](#cx-gunyah-longterm-pin-longterm-pin-no-longterm-pin-on-movable) | ✓ reached, as expected |',
    );
    expect(md).toContain('| `fault-time-share` | ✓ holds (vacuous), as expected | ✓ reached, as expected |');
  });

  it('marks a verdict that differs from its expectation, in words', () => {
    const wrong: ReportRun = {
      ...fixed,
      properties: fixed.properties.map((p, i) =>
        i === 0 ? { ...p, verdict: 'violated', result: 'violated', ok: false } : p,
      ),
    };
    expect(verdictMatrix([wrong])).toContain('| ⚠ **violated, expected holds (vacuous)** |');
    const md = renderModelMarkdown(collectModel(gunyah, [wrong]), 't', 'cmd', 'reports/traces', false);
    expect(md).toContain('⚠ 1 verdict(s) are not the ones their variants expect');
  });

  it('prints a vacuous hold as "holds (vacuous)", with the depth bound when one decided it', () => {
    expect(verdictWithBound({ depthBounded: false, maxDepth: undefined }, 'vacuous')).toBe('holds (vacuous)');
    expect(verdictWithBound({ depthBounded: true, maxDepth: 12 }, 'vacuous')).toBe(
      'holds (vacuous) up to depth 12',
    );
    expect(verdictWithBound({ depthBounded: true, maxDepth: 12 }, 'violated')).toBe('violated');
    const p = {
      name: 'x',
      kind: 'always' as const,
      doc: '',
      verdict: 'holds (vacuous)',
      result: 'vacuous' as const,
      expected: 'holds' as const,
      ok: false,
    };
    expect(expectationText(p)).toBe('holds (vacuous), expected holds');
  });

  it('lists each step with the kernel function it stands for and the words that changed', () => {
    const f7 = reportRun(inplace, 'check-before-unmap');
    const cx = f7.counterexamples.find((c) => c.property === 'no-host-map-of-private');
    const table = cx === undefined ? '' : stepTable(cx);
    expect(table).toContain(
      '| 1 | vmm | `faultCheck(page=0)` | kvm_gmem_fault_user_mapping() under filemap_invalidate_lock_shared(): SIGBUS unless the index is shared | ok | vmm: idle → checked<br>invalidateLock: free → shared, readers: 0 → 1 |',
    );
    expect(table).toContain('| 4 | converter0 | `convertCommit(page=0)` |');
    expect(table).toContain('page0: attr: shared → private |');
  });

  it('marks the loop of a lasso in the step table and the sequence diagram', () => {
    const f3 = reportRun(inplace, 'no-lru-drain');
    const cx = f3.counterexamples.find((c) => c.property === 'conversion-completes');
    expect(cx?.loop).toBe(3);
    expect(cx?.trace.loop).toBe(3);
    const diagram = cx === undefined ? '' : sequenceDiagram(cx);
    // The refused arrow points at the machine that refused (folio0a, P3).
    expect(diagram).toContain(
      '  loop repeats forever\n    P4-xP3: 4. convertCheck(page=0, frame=a) → EAGAIN [+invalidateLock]\n    P4->>P2: 5.',
    );
    expect(diagram).toContain('  participant P3 as folio0a');
    expect(diagram).toMatch(/\n {2}end\n/);
    expect(cx === undefined ? '' : stepTable(cx)).toContain('| 4 ⟲ | converter0 |');
    // The refusal is attributed to the machine that refused: the folio with LRU references.
    expect(cx?.steps[3]?.refusedBy).toBe('folio0a');
  });

  it('gives every Markdown table row as many cells as its header', () => {
    const md = renderModelMarkdown(collectModel(gunyah, [flawed, fixed]), 't', 'cmd', 'reports/traces', true);
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
    expect(rows).toBeGreaterThan(10);
  });

  it('opens with the design: summary, sources, UNCONFIRMED assumptions, bound, what each variant changes', () => {
    const m = collectModel(inplace, [reportRun(inplace, 'fixed'), reportRun(inplace, 'check-before-unmap')]);
    const md = renderModelMarkdown(
      m,
      'foliocheck test',
      'npx foliocheck report guest-memfd-inplace --out x',
      'x/traces',
      false,
    );
    const head = md.slice(0, md.indexOf('## Verdicts'));
    expect(head).toContain(inplace.summary);
    expect(head).toContain('- seeds/003 (David Hildenbrand rules A/B/C; references and pins are per folio)');
    expect(head).toContain('**UNCONFIRMED**');
    expect(head).toContain('the in-place conversion series is not merged (INPLACE v8)');
    expect(head).toContain('Explored exhaustively (no depth bound).');
    expect(head).toContain('| `folios` | 1 | 1..3 | number of folio slots of the file |');
    expect(head).toContain(
      `| \`check-before-unmap\` | F7 | ${inplace.variants['check-before-unmap'].doc} | \`fixed\` |`,
    );
    expect(md).toContain('`npx foliocheck report guest-memfd-inplace --out x`');
    expect(md).toContain(
      'replay with `npx foliocheck replay x/traces/guest-memfd-inplace.check-before-unmap.no-host-map-of-private.trace.json`',
    );
    expect(md).not.toContain('npm start');
  });

  it('measures coverage over the unreduced space: events, state values, transitions never fired', () => {
    const c = flawed.coverage;
    expect(c.states).toBe(10);
    expect(c.complete).toBe(true);
    const events = Object.fromEntries(c.events.map((e) => [e.label, e.fired]));
    expect(events['vmm: setUserMemRegion(data=movable)']).toBeGreaterThan(0);
    const frame = c.kinds.find((k) => k.kind === 'frame');
    expect(frame?.instances).toEqual(['movable0', 'normal0']);
    // The region is pinned in place: the long-term pin fires from a frame in use.
    const pins = frame?.transitions.filter((t) => t.event === 'pin(longterm=true)') ?? [];
    expect(pins.some((t) => t.fired > 0 && t.from.includes('inUse'))).toBe(true);
    expect(frame?.visitedNodes).toEqual(['free', 'inUse']);
    // The migrator's check never answers EAGAIN (only migrate does), so that reaction never fires.
    const md = renderModelMarkdown(collectModel(gunyah, [flawed]), 't', 'c', 'r', false);
    expect(md).toMatch(
      /Transitions that never fired: .*isolated --step\(phase=checked, page=0, prior=EAGAIN\)-->/,
    );
  });

  it('writes the state graph with the initial state doubled and violating states filled', () => {
    const graph = flawed.coverage.graph;
    expect(graph?.worlds).toHaveLength(10);
    const dot = graph === undefined ? '' : renderDot('g', flawed.system, graph);
    expect(dot).toMatch(/^digraph "g" \{/);
    expect(dot).toContain('s0 [label="0", tooltip="movable0: free zone=movable pins=0 longterm=0');
    expect(dot).toContain('peripheries=2');
    expect(dot.match(/fillcolor/g)).toHaveLength(3);
    expect(dot).toContain('label="4\\n✗ no-longterm-pin-on-movable"');
    // 19 transitions, no two between the same pair of states: one labelled edge each.
    expect(dot.match(/ -> s\d+ \[label=/g)).toHaveLength(19);
    expect(dot).toContain('s2 -> s4 [label="vmm: pinAndMap()"]');
    expect(dot).toContain('s9 -> s4 [label="migrator: migrate(page=0) → EAGAIN"]');
    const fixedDot = fixed.coverage.graph && renderDot('f', fixed.system, fixed.coverage.graph);
    expect(fixedDot).not.toContain('fillcolor');
  });
});

describe('state graph layout', () => {
  it('puts states in layers by BFS depth and orders layers to follow their parents', () => {
    // 0 → 1, 0 → 2; 2 → 3, 1 → 4: the children keep their parents' left-to-right order.
    const l = layout(5, [
      [0, 2],
      [0, 1],
      [2, 3],
      [1, 4],
      [4, 0],
    ]);
    expect(l.depth).toEqual([0, 1, 1, 2, 2]);
    expect(l.layers.map((x) => x.length)).toEqual([1, 2, 2]);
    const left = (s: number): number => l.order[s] ?? -1;
    expect(Math.sign(left(1) - left(2))).toBe(Math.sign(left(4) - left(3)));
  });

  it('follows a counterexample through the graph by its events', () => {
    const f7 = reportRun(inplace, 'check-before-unmap');
    const graph = f7.coverage.graph;
    const cx = f7.counterexamples[0];
    const nodes = graph === undefined || cx === undefined ? undefined : pathNodes(graph, cx.path);
    expect(nodes).toHaveLength(cx === undefined ? -1 : cx.steps.length + 1);
    const end = nodes?.[nodes.length - 1] ?? -1;
    expect(graph?.marks[end]).toContain(cx?.property);
  });
});

describe('state words', () => {
  it('reads -1 as none and booleans as yes/no, never JSON', () => {
    expect(valueWord(-1)).toBe('none');
    expect(valueWord(true)).toBe('yes');
    expect(valueWord(['shared', 'private'])).toBe('shared,private');
    const snap = { value: { attr: 'shared' }, context: { dma: -1, pinned: false } } as never;
    expect(stateText(snap)).toBe('attr=shared dma=none pinned=no');
    const after = { value: { attr: 'private' }, context: { dma: 2, pinned: false } } as never;
    expect(stateChanges(snap, after)).toEqual([
      ['attr', 'shared', 'private'],
      ['dma', 'none', '2'],
    ]);
  });
});

describe('foliocheck report', () => {
  it('the committed reports/ are what this build writes (regenerate with npm start)', async () => {
    const run = await runCli(['report', '--check', '--out', 'reports']);
    expect(run.out).toContain('is up to date');
    expect(run.code).toBe(0);
  });

  it('writes one report per design; --check names a stale file and exits 1; writing fixes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'foliocheck-report-'));
    const first = await runCli(['report', 'gunyah-longterm-pin', '--out', dir]);
    expect(first.code).toBe(0);
    for (const f of ['index.md', 'index.html', 'report.txt', 'longterm-pin.dot'])
      expect(existsSync(join(dir, 'gunyah-longterm-pin', f))).toBe(true);
    // A report of chosen designs has no index over the catalogue.
    expect(existsSync(join(dir, 'index.md'))).toBe(false);
    expect(
      existsSync(join(dir, 'traces/gunyah-longterm-pin.longterm-pin.no-longterm-pin-on-movable.trace.json')),
    ).toBe(true);
    const md = join(dir, 'gunyah-longterm-pin', 'index.md');
    writeFileSync(md, readFileSync(md, 'utf8') + 'edited\n');
    const stale = await runCli(['report', 'gunyah-longterm-pin', '--check', '--out', dir]);
    expect(stale.code).toBe(1);
    expect(stale.out).toContain(`stale: ${md}`);
    expect(stale.out).toContain(
      `regenerate it with 'npx foliocheck report gunyah-longterm-pin --out ${dir}'`,
    );
    await runCli(['report', 'gunyah-longterm-pin', '--out', dir]);
    expect((await runCli(['report', 'gunyah-longterm-pin', '--check', '--out', dir])).code).toBe(0);
  });

  it('flags and removes generated files that are no longer produced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'foliocheck-report-'));
    cpSync('reports', dir, { recursive: true });
    writeFileSync(join(dir, 'removed-model.spec.dot'), 'digraph {}\n');
    writeFileSync(join(dir, 'guest-memfd-inplace', 'removed-variant.dot'), 'digraph {}\n');
    writeFileSync(join(dir, 'traces', 'guest-memfd-inplace.fixed.removed-property.trace.json'), '{}\n');
    const run = await runCli(['report', '--check', '--out', dir]);
    expect(run.code).toBe(1);
    expect(run.out).toContain(`stale (no longer generated): ${join(dir, 'removed-model.spec.dot')}`);
    expect(run.out).toContain(
      `stale (no longer generated): ${join(dir, 'guest-memfd-inplace', 'removed-variant.dot')}`,
    );
    expect(run.out).toContain('guest-memfd-inplace.fixed.removed-property.trace.json');
    expect((await runCli(['report', 'guest-memfd-inplace', '--out', dir])).code).toBe(0);
    expect(existsSync(join(dir, 'guest-memfd-inplace', 'removed-variant.dot'))).toBe(false);
    expect(existsSync(join(dir, 'traces', 'guest-memfd-inplace.fixed.removed-property.trace.json'))).toBe(
      false,
    );
    expect(existsSync(join(dir, 'removed-model.spec.dot'))).toBe(true);
  });

  it('rejects an unknown model with one line and writes nothing', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'foliocheck-report-')), 'out');
    const run = await runCli(['report', 'no-such-model', '--out', dir]);
    expect(run.code).toBe(2);
    expect(run.err.trimEnd().split('\n')).toHaveLength(1);
    expect(existsSync(dir)).toBe(false);
  });
});
