// `foliocheck lint`: the checks `check` runs before exploring, alone (see src/lint.ts).
// With --explore it also runs each variant exhaustively and reports the world events no
// reachable state enables. Findings go to stdout, one line each; errors exit 2.
import { checkRunAsync } from '../check.js';
import { InputError } from '../errors.js';
import {
  failing,
  formatFinding,
  hasParallelKind,
  lintCompiled,
  lintStatic,
  merge,
  neverEnabledFinding,
  type Finding,
} from '../lint.js';
import { compileSystem, type CompiledSystem } from '../system.js';
import { flag, type FlagSpec, type ParsedArgs } from './args.js';
import { planRuns, type Plan } from './check.js';
import type { Io } from './io.js';
import { configFlag, openRegistry } from './models.js';

export const lintFlags: readonly FlagSpec[] = [
  {
    name: 'set',
    value: 'NAME=VALUE',
    repeatable: true,
    doc: 'set a model parameter (repeatable); applies to every selected model that has it',
  },
  {
    name: 'explore',
    doc: 'also explore each variant exhaustively and report world events that never fire (errors)',
  },
  { name: 'strict', doc: 'treat warnings as errors' },
  { name: 'json', doc: 'print one JSON object instead of one line per finding' },
  configFlag,
];

/** What the lint found for the plans, with the systems it compiled (for `check` to reuse). */
export interface Linted {
  readonly findings: readonly Finding[];
  readonly systems: ReadonlyMap<Plan, CompiledSystem>;
}

/**
 * The lint of every plan, before any exploration: the static checks of all plans first,
 * then, when none found an error, the checks over compiled kinds (compiling only plans
 * whose machines have parallel states).
 */
export function lintPlans(plans: readonly Plan[]): Linted {
  const statics = plans.flatMap((p) => lintStatic(p));
  const systems = new Map<Plan, CompiledSystem>();
  if (statics.some((f) => f.severity === 'error')) return { findings: merge(statics), systems };
  const compiled = plans.flatMap((p) => {
    if (!hasParallelKind(p)) return [];
    const sys = compileSystem(p.model, p.params, p.variant);
    systems.set(p, sys);
    return lintCompiled(p, sys);
  });
  return { findings: merge([...statics, ...compiled]), systems };
}

/** Prints lint findings as `check` does before exploring: one line each on stderr. */
export function reportLint(findings: readonly Finding[], strict: boolean, io: Io): void {
  for (const f of findings) io.err(`foliocheck: ${formatFinding(f, strict)}\n`);
}

export async function lintCommand(args: ParsedArgs, io: Io): Promise<number> {
  const plans = await planRuns(args, await openRegistry(args, io));
  if (plans.length === 0) throw new InputError('usage', 'lint: no model selected');
  const strict = flag(args, 'strict');
  const linted = lintPlans(plans);
  const findings = [...linted.findings];
  let explored = 0;
  if (flag(args, 'explore') && !failing(findings, false)) {
    for (const p of plans) {
      const opts = { engine: 'compiled', strategy: 'bfs', symmetry: true } as const;
      const run = await checkRunAsync(p.model, p.params, p.variant, opts, linted.systems.get(p));
      explored++;
      const f = neverEnabledFinding(run, 'error');
      if (f !== undefined) findings.push(f);
    }
  }
  const failed = failing(findings, strict);
  const errors = findings.filter((f) => strict || f.severity === 'error').length;
  const summary = `${plans.length} model variant(s)${explored > 0 ? `, ${explored} explored` : ''}: ${errors} error(s), ${findings.length - errors} warning(s)`;
  if (flag(args, 'json')) {
    const body = {
      ok: !failed,
      variants: plans.map((p) => `${p.model.id}:${p.variant}`),
      explored: flag(args, 'explore') && explored === plans.length,
      findings: findings.map((f) => ({ ...f, severity: strict ? 'error' : f.severity })),
    };
    io.out(JSON.stringify(body, null, 2) + '\n');
    return failed ? 2 : 0;
  }
  for (const f of findings) io.out(`${formatFinding(f, strict)}\n`);
  io.out(`${summary}\n`);
  return failed ? 2 : 0;
}
