// CI outputs: the JUnit file of `check --junit` (one test case per model:variant:property,
// failures naming the replay command) and the Markdown appended to GITHUB_STEP_SUMMARY.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import gunyah from '../models/gunyah-longterm-pin.js';
import { checkRun, type RunResult } from '../src/check.js';
import { checkSuites, checkSummary } from '../src/commands/ci.js';
import { junitXml, xmlEscape } from '../src/junit.js';
import { appendStepSummary } from '../src/stepSummary.js';
import { runCli } from './helpers.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'foliocheck-ci-'));

function gunyahRun(variant: string): RunResult {
  return checkRun(gunyah, { pages: 1 }, variant, {
    engine: 'compiled',
    strategy: 'bfs',
    symmetry: true,
    maxDepth: undefined,
    maxStates: undefined,
  });
}

/** The run as if the variant expected every invariant to hold (a regression). */
function expectingHolds(r: RunResult): RunResult {
  return {
    ...r,
    properties: r.properties.map((p) => (p.kind === 'always' ? { ...p, expected: 'holds' } : p)),
  };
}

describe('check --junit', () => {
  it('writes one test case per model:variant:property with counts, all passing when verdicts are as expected', async () => {
    const dir = tmp();
    const file = join(dir, 'junit.xml');
    const res = await runCli(['check', 'gunyah-longterm-pin', '--junit', file]);
    expect(res.code).toBe(0);
    const xml = readFileSync(file, 'utf8');
    expect(
      xml.startsWith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="foliocheck check" tests="12" failures="0" errors="0" skipped="0">',
      ),
    ).toBe(true);
    const names = [...xml.matchAll(/<testcase name="([^"]+)"/g)].map((m) => m[1]);
    expect(names).toHaveLength(12);
    expect(names).toContain('gunyah-longterm-pin:longterm-pin:no-longterm-pin-on-movable');
    expect(names).toContain('gunyah-longterm-pin:fault-time-share:guest-gets-memory');
    expect(xml).toContain('<testsuite name="gunyah-longterm-pin:longterm-pin" tests="4" failures="0"');
    expect(xml).not.toContain('<failure');
  });

  it('a failure message holds the replay command of the written trace, and the events', () => {
    const r = expectingHolds(gunyahRun('longterm-pin'));
    const traces = new Map([
      ['gunyah-longterm-pin:longterm-pin:no-longterm-pin-on-movable', 'out/x.trace.json'],
    ]);
    const xml = junitXml('foliocheck check', checkSuites([r], traces));
    expect(xml).toContain('tests="4" failures="1"');
    expect(xml).toMatch(
      /<testcase name="gunyah-longterm-pin:longterm-pin:no-longterm-pin-on-movable" classname="gunyah-longterm-pin:longterm-pin">\n {6}<failure message="expected holds, got violated; replay: npx foliocheck replay out\/x.trace.json" type="verdict-mismatch">always &apos;no-longterm-pin-on-movable&apos;: /,
    );
    expect(xml).toMatch(/events:\n {2}0 {2}\w+: \w+\(/);
    // Without --out, the message says how to record the trace and replay it.
    const unwritten = junitXml('foliocheck check', checkSuites([r], new Map()));
    expect(unwritten).toContain(
      'replay: npx foliocheck check gunyah-longterm-pin:longterm-pin --out traces &amp;&amp; npx foliocheck replay traces/gunyah-longterm-pin.longterm-pin.no-longterm-pin-on-movable.trace.json',
    );
  });

  it('undecided verdicts of a random search are skipped test cases, not passes', async () => {
    const dir = tmp();
    const file = join(dir, 'junit.xml');
    const res = await runCli([
      'check',
      'gunyah-longterm-pin:fault-time-share',
      '--strategy',
      'random',
      '--walks',
      '20',
      '--junit',
      file,
    ]);
    expect(res.code).toBe(3);
    const xml = readFileSync(file, 'utf8');
    // The invariant and the progress property are undecided by sampling: both skipped.
    expect(xml).toContain('tests="4" failures="0" errors="0" skipped="2"');
    // ... with the command that reruns it: every option that shaped the run, the seed included.
    expect(xml).toContain(
      '<skipped message="no violation in 20 walks (expected holds); rerun: npx foliocheck check gunyah-longterm-pin:fault-time-share --strategy random --walks 20 --seed 1"/>',
    );
  });

  it('escapes XML and drops characters XML forbids', () => {
    expect(xmlEscape(`a<b>&"c'\u0001`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
  });
});

describe('GITHUB_STEP_SUMMARY', () => {
  it('check appends a verdict table to the summary file, keeping what earlier steps wrote', async () => {
    const dir = tmp();
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    const res = await runCli(['check', 'gunyah-longterm-pin', '--out', join(dir, 't')], {
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(res.code).toBe(0);
    const md = readFileSync(summary, 'utf8');
    expect(
      md.startsWith(
        '# earlier step\n### foliocheck check: 3 run(s): every verdict is as expected (exit 0)\n',
      ),
    ).toBe(true);
    expect(md).toContain(
      '| model | variant | property | verdict | expected |  |\n| --- | --- | --- | --- | --- | --- |',
    );
    expect(md).toContain(
      '| gunyah-longterm-pin | longterm-pin | no-longterm-pin-on-movable | violated | violated | ✅ ok |',
    );
    expect(md).toContain(
      `- \`gunyah-longterm-pin:longterm-pin:no-longterm-pin-on-movable\`: \`npx foliocheck replay ${join(dir, 't', 'gunyah-longterm-pin.longterm-pin.no-longterm-pin-on-movable.trace.json')}\``,
    );
    await runCli(['check', 'gunyah-longterm-pin:fault-time-share'], { GITHUB_STEP_SUMMARY: summary });
    expect(readFileSync(summary, 'utf8').split('### foliocheck check').length).toBe(3);
  });

  it('marks mismatches and writes nothing when the variable is unset', () => {
    const md = checkSummary([expectingHolds(gunyahRun('longterm-pin'))], new Map(), 'x');
    expect(md).toContain('| violated | holds | ❌ mismatch |');
    expect(appendStepSummary({}, md)).toBeUndefined();
    const dir = tmp();
    expect(() => appendStepSummary({ GITHUB_STEP_SUMMARY: join(dir, 'no', 'such', 'dir.md') }, md)).toThrow(
      /cannot append to GITHUB_STEP_SUMMARY/,
    );
    expect(existsSync(join(dir, 'no'))).toBe(false);
  });
});
