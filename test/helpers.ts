// Test helpers: run the CLI in-process and capture what it prints.
import { checkRun } from '../src/check.js';
import { main } from '../src/cli.js';
import type { Io } from '../src/commands/io.js';
import type { AnyModel } from '../src/model.js';
import { compileSystem, type CompiledSystem } from '../src/system.js';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function runCli(
  argv: readonly string[],
  env: Record<string, string> = {},
  cwd: string = process.cwd(),
): Promise<CliRun> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    isTTY: false,
    env,
    cwd,
  };
  const code = await main(argv, io);
  return { code, out, err };
}

/** The system of a model variant, a property's index, and its BFS-shortest counterexample. */
export function shortestCounterexample(
  model: AnyModel,
  params: Readonly<Record<string, number>>,
  variant: string,
  property: string,
): { sys: CompiledSystem; p: number; path: readonly number[] } {
  const sys = compileSystem(model, params, variant);
  const run = checkRun(model, params, variant, { engine: 'compiled', strategy: 'bfs', symmetry: false });
  const p = sys.properties.findIndex((q) => q.name === property);
  return { sys, p, path: run.properties[p]?.path ?? [] };
}
