// The lint's traps, each through the CLI as a user meets it: the trap model's file named on
// the command line, the documented error (or warning), one line each, and the exit code.
// The trap models are in test/lint/.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import { models } from '../models/index.js';
import { checkRun, checkRunAsync } from '../src/check.js';
import { explore } from '../src/explore/index.js';
import { runSync } from '../src/explore/strategy.js';
import { lint } from '../src/lint.js';
import { defineModel, type AnyModel } from '../src/model.js';
import { neverEnabled } from '../src/neverEnabled.js';
import { resolveParams } from '../src/params.js';
import { collectRun } from '../src/report/collect.js';
import { neverEnabledSection } from '../src/report/markdown.js';
import { sometimes } from '../src/property.js';
import { compileSystem, eventLabel } from '../src/system.js';
import { runCli, type CliRun } from './helpers.js';
import expectations from './lint/expectations.js';
import { preconditionModel } from './lint/precondition.js';
import shadowed from './lint/shadowed.js';
import { typoModel } from './lint/typo.js';
import unknownNames from './lint/unknownNames.js';

/** A trap model's file, named on the command line as a user names their own model. */
const FILE = {
  typo: 'test/lint/typo.ts',
  typoFixed: 'test/lint/typoFixed.ts',
  precondition: 'test/lint/precondition.ts',
  explicit: 'test/lint/preconditionExplicit.ts',
  requires: 'test/lint/preconditionRequires.ts',
  independent: 'test/lint/preconditionIndependent.ts',
  shadowed: 'test/lint/shadowed.ts',
  expectations: 'test/lint/expectations.ts',
  names: 'test/lint/unknownNames.ts',
  never: 'test/lint/neverEnabled.ts',
  declared: 'test/lint/neverEnabledDeclared.ts',
  declaredTypo: 'test/lint/neverEnabledTypo.ts',
} as const;

/** The error lines `check` prints before exploring ('foliocheck: error [code] ...'). */
function errorLines(r: CliRun): string[] {
  return r.err.split('\n').filter((l) => l !== '');
}

describe('lint: a participant event no state handles', () => {
  it('check refuses to explore: one line naming the world event, the machine and the nearest event', async () => {
    const r = await runCli(['check', FILE.typo]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const lines = errorLines(r);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^foliocheck: error \[unknown-event\] lint-typo:checked,unchecked: /);
    expect(lines[0]).toContain(
      "world event 'vfio: map(page=0)' sends 'dmaMapp' to page0 (machine kind 'page')",
    );
    expect(lines[0]).toContain("did you mean 'dmaMap'?");
  });

  it('lint says the same on stdout and exits 2; with the event spelt right, lint is clean and check finds the flaw', async () => {
    const r = await runCli(['lint', `${FILE.typo}:unchecked`]);
    expect(r.code).toBe(2);
    expect(r.out).toContain("error [unknown-event] lint-typo:unchecked: world event 'vfio: map(page=0)'");
    expect(r.out).toContain('1 model variant(s): 1 error(s), 0 warning(s)');
    expect((await runCli(['lint', FILE.typoFixed])).code).toBe(0);
    const checked = await runCli(['check', FILE.typoFixed, '--json']);
    expect(checked.code).toBe(0);
    const body = JSON.parse(checked.out) as {
      runs: { variant: string; properties: { verdict: string }[] }[];
    };
    expect(body.runs.map((run) => [run.variant, run.properties[0]?.verdict])).toEqual([
      ['checked', 'holds'],
      ['unchecked', 'violated'],
    ]);
  });

  it('--json gives the findings as data', async () => {
    const r = await runCli(['lint', FILE.typo, '--json']);
    expect(r.code).toBe(2);
    const body = JSON.parse(r.out) as {
      ok: boolean;
      findings: { code: string; severity: string; where: object }[];
    };
    expect(body.ok).toBe(false);
    expect(body.findings.map((f) => [f.code, f.severity, f.where])).toEqual([
      [
        'unknown-event',
        'error',
        {
          model: 'lint-typo',
          variants: ['checked', 'unchecked'],
          worldEvent: 'vfio: map(page=0)',
          machine: 'page0',
        },
      ],
    ]);
  });
});

describe('lint: a precondition in one region of a parallel machine', () => {
  it('is an error naming the region, where the event is still accepted, and how to state it once', async () => {
    const r = await runCli(['check', FILE.precondition]);
    expect(r.code).toBe(2);
    const lines = errorLines(r);
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? '';
    expect(line).toMatch(/^foliocheck: error \[parallel-precondition\] lint-precondition:fixed: /);
    expect(line).toContain("event 'finishPunch': region 'cache' accepts it only in cache.absent");
    expect(line).toContain("'punch' takes it in cache.present");
    expect(line).toContain("requires: 'cache.absent'");
    expect(line).toContain("stateIn('#cachePage.cache.absent')");
    expect(line).toContain("independentEvents: ['finishPunch']");
  });

  it('stated with stateIn or requires the design holds; marked independent, the lint is silent and the punch finishes over a cached page', async () => {
    for (const style of ['explicit', 'requires'] as const) {
      const stated = await runCli(['check', FILE[style]]);
      expect([style, stated.code, stated.err]).toEqual([style, 0, '']);
      expect(stated.out).toMatch(/punch-empties-cache\s+holds\s+holds\s+ok/);
    }
    // Marked as intended, the lint is silent, and the check shows what the design does.
    const marked = await runCli(['check', FILE.independent]);
    expect(marked.err).toBe('');
    expect(marked.code).toBe(1);
    expect(marked.out).toMatch(/punch-empties-cache\s+violated\s+holds\s+MISMATCH/);
  });
});

describe('lint: a parallel machine transition a region shadows', () => {
  it('is an error saying the refusal is never taken and where to move it', async () => {
    const r = await runCli(['lint', FILE.shadowed]);
    expect(r.code).toBe(2);
    expect(r.out).toContain('error [parallel-shadowed] lint-shadowed:fixed:');
    expect(r.out).toContain(
      'the transition of the parallel machine itself (outcome EAGAIN) is never taken in',
    );
    expect(r.out).toContain("region(s) 'attr' take the event there");
  });
});

describe('lint: expectations', () => {
  it('a property without an expectation and an expectation for no property are errors', async () => {
    const r = await runCli(['check', FILE.expectations]);
    expect(r.code).toBe(2);
    const lines = errorLines(r);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain(
      "error [missing-expectation] lint-expectations:fixed: property 'no-migrate-under-dma' has no expected verdict in variant 'fixed'; add no-migrate-under-dma: 'holds' | 'vacuous' | 'violated'",
    );
    expect(lines[1]).toContain("[missing-expectation] lint-expectations:fixed: property 'page-mapped'");
    expect(lines[1]).toContain("'reached' | 'unreached'");
    expect(lines[2]).toContain(
      "[unknown-expectation] lint-expectations:fixed: variant 'fixed' expects a verdict for 'no-migrate-under-dmaa', which is no property of the model (did you mean 'no-migrate-under-dma'?)",
    );
  });
});

describe('lint: unknown machine kinds and instance ids', () => {
  it('name the nearest kind and instance', async () => {
    const r = await runCli(['check', FILE.names]);
    expect(r.code).toBe(2);
    const lines = errorLines(r);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(
      "[unknown-machine] lint-names:fixed: world event 'migrator: migrate()' has a participant 'page1', which is no machine instance of the system (did you mean 'page0'?)",
    );
    expect(lines[1]).toContain(
      "[unknown-kind] lint-names:fixed: property 'no-migrate-under-dma' ranges over machine kind 'pgae', which no instance of the system has (did you mean 'page'?)",
    );
  });
});

describe('never enabled', () => {
  it('check lists the world events an exhaustive run never took, in text and JSON; --strict makes it an error', async () => {
    const r = await runCli(['check', FILE.never]);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toContain(
      'lint-never:no-map: never enabled in the exhaustive run: vfio: unmap() (no reachable state enables this world event;',
    );
    expect(r.out).not.toContain('lint-never:mapped: never enabled');

    const json = await runCli(['check', FILE.never, '--json']);
    const body = JSON.parse(json.out) as { runs: { variant: string; neverEnabled: string[] | null }[] };
    expect(body.runs.map((run) => [run.variant, run.neverEnabled])).toEqual([
      ['mapped', []],
      ['no-map', ['vfio: unmap()']],
    ]);

    // --strict: an error, exit 2 with one line, the results still printed, no file written.
    const dir = mkdtempSync(join(tmpdir(), 'foliocheck-lint-'));
    const strict = await runCli(['check', FILE.never, '--strict', '--flaws', join(dir, 'flaws.md')]);
    expect(strict.code).toBe(2);
    expect(strict.err).toBe(
      'foliocheck: error [never-enabled] lint-never:no-map: world events no reachable state enables (listed with the results); --strict makes that an error, so no file was written\n',
    );
    expect(strict.out).toContain('lint-never:no-map: never enabled in the exhaustive run: vfio: unmap()');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is not decided by a depth-bounded run (JSON null, nothing listed)', async () => {
    const r = await runCli(['check', `${FILE.never}:mapped`, '--max-depth', '0', '--json']);
    const body = JSON.parse(r.out) as { runs: { neverEnabled: string[] | null; complete: boolean }[] };
    expect(body.runs.map((run) => [run.complete, run.neverEnabled])).toEqual([[false, null]]);
  });

  it('lint --explore reports it as an error; plain lint does not explore', async () => {
    expect((await runCli(['lint', FILE.never])).code).toBe(0);
    const r = await runCli(['lint', FILE.never, '--explore']);
    expect(r.code).toBe(2);
    expect(r.out).toContain(
      'error [never-enabled] lint-never:no-map: never enabled in the exhaustive run: vfio: unmap()',
    );
    expect(r.out).toContain('2 model variant(s), 2 explored: 1 error(s), 0 warning(s)');
  });
});

describe('never enabled by design (VariantSpec.neverEnabled)', () => {
  it('a declared event is not listed and --strict passes; the report gives the reason', async () => {
    const r = await runCli(['check', `${FILE.declared}:no-map`, '--strict', '--json']);
    expect([r.code, r.err]).toEqual([0, '']);
    const body = JSON.parse(r.out) as { runs: { neverEnabled: string[] | null }[] };
    // The JSON still lists what never fired; only the finding is silenced.
    expect(body.runs.map((run) => run.neverEnabled)).toEqual([['vfio: unmap()']]);
    const dir = mkdtempSync(join(tmpdir(), 'foliocheck-lint-'));
    expect((await runCli(['report', `${FILE.declared}:no-map`, '--out', dir])).code).toBe(0);
    expect(readFileSync(join(dir, 'lint-never-declared', 'index.md'), 'utf8')).toContain(
      'vfio: unmap() (by design: nothing maps the page in this design)',
    );
  });

  it('a declared event that fires after all is reported (an error under --strict)', async () => {
    const r = await runCli(['check', `${FILE.declared}:stale`]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "lint-never-declared:stale: declared never enabled but fired in the exhaustive run: 'unmap'; remove it from variants['stale'].neverEnabled",
    );
    expect((await runCli(['check', `${FILE.declared}:stale`, '--strict'])).code).toBe(2);
    const explored = await runCli(['lint', `${FILE.declared}:stale`, '--explore']);
    expect([explored.code, explored.out]).toEqual([2, expect.stringContaining('error [enabled-after-all]')]);
  });

  it('a declaration naming no world event is a lint error with the nearest names', async () => {
    const r = await runCli(['check', FILE.declaredTypo]);
    expect(r.code).toBe(2);
    const lines = errorLines(r);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      "[unknown-never-enabled] lint-never-typo:no-map: variants['no-map'].neverEnabled names 'vfio: unmapp', which is no world event of the system",
    );
    expect(lines[0]).toContain("'vfio: unmap()'");
  });
});

describe('the shipped models', () => {
  it('lint clean, every variant', async () => {
    const r = await runCli(['lint']);
    expect([r.code, r.err]).toEqual([0, '']);
    const variants = models.reduce((n, m) => n + Object.keys(m.variants).length, 0);
    expect(r.out).toBe(`${variants} model variant(s): 0 error(s), 0 warning(s)\n`);
  });

  it('each finding of the API is a finding of the CLI (one per trap model)', () => {
    const all = [typoModel('dmaMapp'), preconditionModel('trap'), shadowed, expectations, unknownNames];
    const codes = all.map((m) =>
      lint(
        Object.keys(m.variants).map((variant) => ({ model: m, variant, params: resolveParams(m, {}) })),
      ).map((f) => f.code),
    );
    expect(codes).toEqual([
      ['unknown-event'],
      ['parallel-precondition'],
      ['parallel-shadowed'],
      ['missing-expectation', 'missing-expectation', 'unknown-expectation'],
      ['unknown-machine', 'unknown-kind'],
    ]);
  });
});

function p(machine: string, type: string): { machine: string; event: { type: string } } {
  return { machine, event: { type } };
}

describe('never enabled under symmetry reduction and on workers', () => {
  // Two interchangeable pages and one lock: a(i) takes the lock and makes page i busy,
  // b(i) gives both back. The reduced search stores one of (busy, idle) and (idle, busy),
  // so it takes b on one page only; the other page's b is enabled in the permuted state.
  const page = setup({ types: { events: {} as { type: 'a' } | { type: 'b' } } }).createMachine({
    id: 'slot',
    initial: 'idle',
    states: { idle: { on: { a: 'busy' } }, busy: { on: { b: 'idle' } } },
  });
  const lock = setup({ types: { events: {} as { type: 'take' } | { type: 'give' } } }).createMachine({
    id: 'lock',
    initial: 'free',
    states: { free: { on: { take: 'held' } }, held: { on: { give: 'free' } } },
  });
  const model = defineModel<never, 'only'>({
    id: 'lint-symmetric',
    title: 'two pages, one lock',
    summary: 'symmetric pages',
    sources: ['test fixture'],
    params: {},
    variants: { only: { doc: 'the only variant', flaws: [], expect: { 'lock-free': 'reached' } } },
    properties: [sometimes('lock-free', 'the lock is free again', (w) => w.get('lock').matches('free'))],
    build: () => ({
      machines: [
        { id: 'page0', machine: page },
        { id: 'page1', machine: page },
        { id: 'lock', machine: lock },
      ],
      events: [0, 1].flatMap((i) => [
        { actor: 'cpu', type: 'a', args: { page: i }, sync: [p(`page${i}`, 'a'), p('lock', 'take')] },
        { actor: 'cpu', type: 'b', args: { page: i }, sync: [p(`page${i}`, 'b'), p('lock', 'give')] },
      ]),
      symmetry: [{ name: 'pages', slots: [['page0'], ['page1']] }],
    }),
  });

  it('an event enabled only in a permuted state counts as enabled', () => {
    const sys = compileSystem(model, {}, 'only');
    const run = explore(sys, { engine: 'compiled', strategy: 'bfs', symmetry: true });
    runSync(run.search);
    const label = (e: number): string => eventLabel(sys.events[e] as (typeof sys.events)[number]);
    // The reduced search alone would call one b never enabled ...
    expect(neverEnabled(sys, run.tracker.taken, false).map(label)).toHaveLength(1);
    // ... its image under the slot swap fired, so it is not.
    expect(neverEnabled(sys, run.tracker.taken, true)).toEqual([]);
    const checked = checkRun(model, {}, 'only', { engine: 'compiled', strategy: 'bfs', symmetry: true });
    expect([checked.symmetry, checked.neverEnabled]).toEqual([true, []]);
  });

  it('the shared-map parallel BFS (symmetry on, two workers) records the events its workers take', async () => {
    const opts = { engine: 'compiled', strategy: 'bfs', symmetry: true, workers: 2 } as const;
    const run = await checkRunAsync(model, {}, 'only', opts);
    expect([run.workers, run.symmetry, run.neverEnabled]).toEqual([2, true, []]);
  });

  it('a parallel BFS on workers records the same events as the sequential one', async () => {
    const seq = await runCli(['check', FILE.never, '--json']);
    const par = await runCli(['check', FILE.never, '--json', '--workers', '2']);
    type Body = { runs: { workers: number; neverEnabled: string[] | null }[] };
    const of = (r: CliRun): Body['runs'] => (JSON.parse(r.out) as Body).runs;
    expect(of(par).map((r) => r.workers)).toEqual([2, 2]);
    expect(of(par).map((r) => r.neverEnabled)).toEqual(of(seq).map((r) => r.neverEnabled));
  });
});

/** A report's never-enabled entry without the reason it gives for a declared event. */
const withoutReason = (e: string): string => e.replace(/ \(by design: .*\)$/, '');

describe('never enabled in the report', () => {
  it("equals the coverage re-exploration's never-fired events, and the report lists it", () => {
    const picks: [string, string][] = [
      ['guest-memfd-flags', 'mainline-private'],
      ['qemu-vfio-conversion', 'rdm-notify'],
      ['pkvm-share', 'fixed'],
      ['gunyah-longterm-pin', 'longterm-pin'],
    ];
    const runs = picks.map(([id, variant]) => {
      const m = models.find((x) => x.id === id) as AnyModel;
      const run = checkRun(m, resolveParams(m, {}), variant, {
        engine: 'compiled',
        strategy: 'bfs',
        symmetry: true,
      });
      return collectRun(run, m);
    });
    for (const r of runs) {
      expect(r.coverage.complete).toBe(true);
      expect((r.neverEnabled ?? []).map(withoutReason)).toEqual(
        r.coverage.events.filter((e) => e.fired === 0).map((e) => e.label),
      );
    }
    expect(runs.map((r) => (r.neverEnabled ?? []).length)).toEqual([3, 1, 2, 0]);
    const md = neverEnabledSection(runs);
    expect(md).toContain(
      '| `guest-memfd-flags:mainline-private` | `vmm: unmap(page=0) (by design: kvm_gmem_fault_user_mapping() SIGBUSes every fault of a file without INIT_SHARED: nothing maps an index, so nothing unmaps one)`, `gup: pin(page=0) (by design: ',
    );
    expect(md).not.toContain('gunyah-longterm-pin:longterm-pin');
  });
});
