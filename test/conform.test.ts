// The conformance suite: every scenario under scenarios/ replayed on its model inside
// `npm test`, with the exact set that passes and the known model gaps that fail.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, scenarioFiles } from '../src/commands/conform.js';
import { models } from '../models/index.js';
import { runScenario } from '../src/conform/run.js';
import { finderOf } from '../src/registry.js';
import { parseScenario } from '../src/conform/scenario.js';
import { runCli } from './helpers.js';

const cwd = process.cwd();
const find = finderOf(models);
const results = scenarioFiles([], cwd).map((f) => runScenario(loadScenario(f, cwd), find));

/** Scenarios that fail because the models lack what they need (docs/conformance.md, "Known model gaps"). */
const KNOWN_GAPS: Record<string, string> = {
  'guest_memfd_test/test_collapse': "the model has no 'vmm create' with these arguments",
};

describe('conformance suite', () => {
  it('encodes every scenario of kernel-semantics.md §4 (31 files)', () => {
    expect(results.length).toBe(31);
  });

  it('passes exactly the scenarios outside the known model gaps', () => {
    const failing = results.filter((r) => !r.pass).map((r) => r.name);
    expect(failing.sort()).toEqual(Object.keys(KNOWN_GAPS).sort());
    expect(results.filter((r) => r.pass).length).toBe(30);
  });

  it('fails each known gap for the stated reason', () => {
    for (const [name, reason] of Object.entries(KNOWN_GAPS)) {
      const r = results.find((x) => x.name === name);
      const first = r?.steps.find((s) => !s.pass);
      expect({ name, reason: first?.reason?.includes(reason) }).toEqual({ name, reason: true });
    }
  });

  it('reports a mismatch with what was expected and what the model gave', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conform-'));
    const file = join(dir, 'wrong.litmus');
    writeFileSync(
      file,
      'scenario wrong\nmodel guest-memfd-mainline:default-vm\n1. vmm create fd=0 size=P flags=MMAP -> ok\n2. host mmap fd=0 len=P map=shared -> ok\n3. host read page=0 -> 0xaa\n',
    );
    const r = runScenario(loadScenario(file, dir), find);
    expect(r.pass).toBe(false);
    expect(r.steps[2]).toMatchObject({ expected: '0xaa', got: 'SIGBUS', pass: false });
  });
});

describe('foliocheck conform', () => {
  it('--json prints ok, scenarios with name, pass, steps, failures; exit 1 on any mismatch', async () => {
    const run = await runCli(['conform', '--json']);
    expect(run.code).toBe(1);
    const out = JSON.parse(run.out) as {
      ok: boolean;
      scenarios: { name: string; pass: boolean; failures: unknown[] }[];
    };
    expect(out.ok).toBe(false);
    expect(out.scenarios.length).toBe(31);
    const collapse = out.scenarios.find((s) => s.name === 'guest_memfd_test/test_collapse');
    expect(collapse?.pass).toBe(false);
    expect(collapse?.failures.length).toBeGreaterThan(0);
  });

  it('exit 0 and per-step lines when every named scenario passes', async () => {
    const run = await runCli([
      'conform',
      'guest_memfd_test/test_mmap_supported',
      'guest_memfd_conversions_test',
    ]);
    expect(run.code).toBe(0);
    expect(run.out).toContain('PASS guest_memfd_test/test_mmap_supported');
    expect(run.out).toContain('host read page=0 -> 0x00   model: 0x00');
  });
});

const bad = (text: string): string => {
  try {
    parseScenario(text, 'x.litmus');
  } catch (err) {
    return (err as Error).message;
  }
  return 'parsed';
};

const cli = async (text: string): Promise<{ code: number; err: string }> => {
  const dir = mkdtempSync(join(tmpdir(), 'conform-'));
  const file = join(dir, 'x.litmus');
  writeFileSync(file, text);
  const run = await runCli(['conform', file]);
  return { code: run.code, err: run.err };
};

describe('scenario parser', () => {
  const head = 'scenario x\nmodel guest-memfd-mainline\n';

  it('names file:line and the fix for malformed steps', () => {
    expect(bad(`${head}1. host read page=0 0x00\n`)).toBe(
      "x.litmus:3: step 1 has no '-> OUTCOME'; write steps as 'N. ACTOR OP [ARG=VALUE ...] -> OUTCOME'",
    );
    expect(bad(`${head}2. host read page=0 -> 0x00\n`)).toBe(
      'x.litmus:3: expected step 1, got 2; number steps 1, 2, 3 ... without gaps',
    );
    expect(bad(`${head}1. host read page=0 -> 0x00 0x01\n`)).toMatch(
      /^x\.litmus:3: step 1: expected one outcome token/,
    );
    expect(bad(`${head}1. host read page -> 0x00\n`)).toMatch(/^x\.litmus:3: step 1: bad argument 'page'/);
    expect(bad('model m\n')).toMatch(/^x\.litmus:1: expected 'scenario NAME'/);
    expect(bad('scenario x\n(* open\n')).toBe("x.litmus:2: comment '(*' is never closed; add '*)'");
  });

  it('bad step, unknown operation, unknown model: one line, exit 2', async () => {
    for (const [text, pattern] of [
      [`${head}1 host read page=0 -> 0x00\n`, /x\.litmus:3: expected step number '1\.'/],
      [
        `${head}1. host mmapp fd=0 -> ok\n`,
        /x\.litmus:3: unknown operation 'mmapp' \(did you mean 'mmap'\?\)/,
      ],
      [
        'scenario x\n(* a comment *)\nmodel guest-memfd-mainline pages=99\n1. host read page=0 -> 0x00\n',
        /x\.litmus:3: parameter pages of guest-memfd-mainline must be between 1 and 8, got 99/,
      ],
      [
        'scenario x\nmodel guest-memfd-mainlin\n1. host read page=0 -> 0x00\n',
        /x\.litmus:2: unknown model 'guest-memfd-mainlin'/,
      ],
    ] as const) {
      const r = await cli(text);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(pattern);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('conform CI outputs', () => {
  it('--junit writes one test case per scenario, failures naming the steps; the job summary gets a table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'foliocheck-conform-ci-'));
    const junit = join(dir, 'conform.xml');
    const summary = join(dir, 'summary.md');
    const run = await runCli(['conform', '--junit', junit], { GITHUB_STEP_SUMMARY: summary });
    expect(run.code).toBe(1);
    const xml = readFileSync(junit, 'utf8');
    expect([...xml.matchAll(/<testcase /g)]).toHaveLength(31);
    expect(xml).toMatch(
      /<testcase name="guest_memfd_test\/test_collapse"[^>]*>\n\s*<failure message="\d+ step\(s\) differ; re-run: npx foliocheck conform [^"]*test_collapse.litmus"/,
    );
    expect((xml.match(/<failure /g) ?? []).length).toBe(1);
    expect(readFileSync(summary, 'utf8')).toContain('### foliocheck conform: 30/31 scenarios pass');
  });
});
