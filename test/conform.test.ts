// The conformance suite: every scenario under scenarios/ replayed on its model inside
// `npm test`, with the exact set that passes and the known model gaps (declared by a `gap`
// line in the scenario) that fail; and `conform` as CI runs it: a malformed file is that
// file's failure while the rest run and --json/--junit are written.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, scenarioFiles } from '../src/commands/conform.js';
import { models } from '../models/index.js';
import { runScenario } from '../src/conform/run.js';
import { finderOf } from '../src/registry.js';
import { parseScenario } from '../src/conform/scenario.js';
import { main } from '../src/cli.js';
import { runCli, type CliRun } from './helpers.js';

/** The CLI run from another working directory (scenario names are relative to it). */
async function runCliIn(argv: readonly string[], cwd: string): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    out: (t) => (out += t),
    err: (t) => (err += t),
    isTTY: false,
    env: {},
    cwd,
  });
  return { code, out, err };
}

const cwd = process.cwd();
const find = finderOf(models);
const results = scenarioFiles([], cwd).map((f) => runScenario(loadScenario(f, cwd), find));

/** A scenario that fails and declares it a known model gap (a copy of test_mmap_supported with a wrong read). */
function gapScenario(dir: string): string {
  const text = readFileSync('scenarios/guest_memfd_test/test_mmap_supported.litmus', 'utf8')
    .replace(/^model .*$/m, (m) => `${m}\ngap the model reads a punched page as 0xaa here on purpose`)
    .replace(/^(12\. host read page=0\s+->) 0x00$/m, '$1 0xaa');
  mkdirSync(join(dir, 'scenarios', 'guest_memfd_test'), { recursive: true });
  const file = join(dir, 'scenarios', 'guest_memfd_test', 'test_mmap_supported.litmus');
  writeFileSync(file, text);
  return file;
}

describe('conformance suite', () => {
  it('encodes every scenario of kernel-semantics.md §4 and the kernel rules of scenarios/kernel_semantics (36 files)', () => {
    expect(results.length).toBe(36);
    expect(results.filter((r) => r.name.startsWith('kernel_semantics/')).map((r) => r.name)).toEqual([
      'kernel_semantics/gmem_bind_overlap',
      'kernel_semantics/gmem_bind_past_size',
      'kernel_semantics/gmem_release_leaves_slot_dead',
      'kernel_semantics/vm_outlives_gmem_file',
    ]);
  });

  it('passes every scenario, test_collapse included; none declares a known model gap', () => {
    expect(results.filter((r) => !r.pass).map((r) => r.name)).toEqual([]);
    expect(results.filter((r) => r.gap !== undefined).map((r) => r.name)).toEqual([]);
    expect(results.find((r) => r.name === 'guest_memfd_test/test_collapse')?.status).toBe('pass');
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
  it('--json prints ok, a summary, scenarios with status, steps, failures', async () => {
    const run = await runCli(['conform', '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.out) as {
      ok: boolean;
      summary: string;
      scenarios: { name: string; pass: boolean; status: string; gap: string | null; failures: unknown[] }[];
    };
    expect(out.ok).toBe(true);
    expect(out.summary).toBe('36 pass, 0 known model gap(s), 0 fail, 0 malformed (36 scenarios)');
    expect(out.scenarios.length).toBe(36);
    const collapse = out.scenarios.find((s) => s.name === 'guest_memfd_test/test_collapse');
    expect(collapse).toMatchObject({ pass: true, status: 'pass', gap: null, failures: [] });
  });

  it('a failing scenario that declares a known model gap is reported and does not fail the run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conform-'));
    const file = gapScenario(dir);
    const run = await runCli(['conform', file, '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.out) as {
      scenarios: { status: string; gap: string | null; failures: { expected: string; got: string }[] }[];
    };
    expect(out.scenarios[0]).toMatchObject({
      status: 'gap',
      gap: 'the model reads a punched page as 0xaa here on purpose',
    });
    expect(out.scenarios[0]?.failures).toEqual([expect.objectContaining({ expected: '0xaa', got: '0x00' })]);
    const short = await runCli(['conform', file]);
    expect(short.code).toBe(0);
    expect(short.out).toContain('KNOWN GAP guest_memfd_test/test_mmap_supported');
  });

  it('prints only failures and a summary by default, every step with --verbose', async () => {
    const short = await runCli(['conform']);
    expect(short.code).toBe(0);
    expect(short.out).not.toContain('PASS ');
    expect(short.out.trimEnd()).toBe('36 pass, 0 known model gap(s), 0 fail, 0 malformed (36 scenarios)');
    const run = await runCli([
      'conform',
      'guest_memfd_test/test_mmap_supported',
      'guest_memfd_conversions_test',
      '--verbose',
    ]);
    expect(run.code).toBe(0);
    expect(run.out).toContain('PASS guest_memfd_test/test_mmap_supported');
    expect(run.out).toContain('host read page=0 -> 0x00   model: 0x00');
  });

  it('a scenario that passes though it declares a gap fails the run: remove the gap line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conform-'));
    const text = readFileSync('scenarios/guest_memfd_test/test_mmap_supported.litmus', 'utf8').replace(
      /^model .*$/m,
      (m) => `${m}\ngap pretend the model cannot do this`,
    );
    mkdirSync(join(dir, 'scenarios', 'guest_memfd_test'), { recursive: true });
    const file = join(dir, 'scenarios', 'guest_memfd_test', 'test_mmap_supported.litmus');
    writeFileSync(file, text);
    const run = await runCli(['conform', file]);
    expect(run.code).toBe(1);
    expect(run.out).toContain("passes, but the file declares a known model gap: remove its 'gap' line");
  });

  it('a malformed file is its own failure: the others run, --json and --junit are written, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conform-ci-'));
    cpSync('scenarios', join(dir, 'scenarios'), { recursive: true });
    writeFileSync(
      join(dir, 'scenarios', 'typo.litmus'),
      'scenario typo\nmodel guest-memfd-mainline\n1. host read page=0 0x00\n',
    );
    const junit = join(dir, 'conform.xml');
    const run = await runCliIn(['conform', '--json', '--junit', junit], dir);
    expect(run.code).toBe(2);
    expect(run.err.trim()).toBe(
      "scenarios/typo.litmus:3: step 1 has no '-> OUTCOME'; write steps as 'N. ACTOR OP [ARG=VALUE ...] -> OUTCOME'",
    );
    const out = JSON.parse(run.out) as {
      ok: boolean;
      scenarios: { name: string; status: string; error: string | null }[];
    };
    expect(out.ok).toBe(false);
    expect(out.scenarios).toHaveLength(37);
    expect(out.scenarios.filter((s) => s.status === 'pass')).toHaveLength(36);
    expect(out.scenarios.find((s) => s.name === 'typo')).toMatchObject({ status: 'malformed' });
    const xml = readFileSync(junit, 'utf8');
    expect([...xml.matchAll(/<testcase /g)]).toHaveLength(37);
    expect(xml).toMatch(
      /<testcase name="typo" classname="malformed">\n\s*<failure message="scenarios\/typo.litmus:3: step 1 has no/,
    );
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
  it('--junit writes one test case per scenario, a known gap skipped; the job summary gets a table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'foliocheck-conform-ci-'));
    const junit = join(dir, 'conform.xml');
    const summary = join(dir, 'summary.md');
    const run = await runCli(['conform', '--junit', junit], { GITHUB_STEP_SUMMARY: summary });
    expect(run.code).toBe(0);
    const xml = readFileSync(junit, 'utf8');
    expect([...xml.matchAll(/<testcase /g)]).toHaveLength(36);
    expect(xml).not.toContain('<failure ');
    expect(xml).not.toContain('<skipped ');
    expect(readFileSync(summary, 'utf8')).toContain(
      '### foliocheck conform: 36 pass, 0 known model gap(s), 0 fail, 0 malformed (36 scenarios)',
    );
    const gapJunit = join(dir, 'gap.xml');
    const gap = await runCli(['conform', gapScenario(dir), '--junit', gapJunit]);
    expect(gap.code).toBe(0);
    expect(readFileSync(gapJunit, 'utf8')).toMatch(
      /<testcase name="guest_memfd_test\/test_mmap_supported"[^>]*>\n\s*<skipped message="known model gap: the model reads a punched page as 0xaa here on purpose/,
    );
  });

  it('a failing scenario is a JUnit failure naming the steps and the command that re-runs it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'foliocheck-conform-ci-'));
    const file = join(dir, 'wrong.litmus');
    writeFileSync(
      file,
      'scenario wrong\nmodel guest-memfd-mainline:default-vm\n1. vmm create fd=0 size=P flags=MMAP -> ok\n2. host mmap fd=0 len=P map=shared -> ok\n3. host read page=0 -> 0xaa\n',
    );
    const junit = join(dir, 'conform.xml');
    const run = await runCliIn(['conform', file, '--junit', junit], dir);
    expect(run.code).toBe(1);
    expect(run.out).toContain('FAIL wrong');
    expect(run.out).toContain('re-run: npx foliocheck conform wrong.litmus --verbose');
    expect(readFileSync(junit, 'utf8')).toMatch(
      /<failure message="1 step\(s\) differ; re-run: npx foliocheck conform wrong.litmus"/,
    );
  });
});
