// Test helpers: run the CLI in-process and capture what it prints.
import { main } from '../src/cli.js';
import type { Io } from '../src/commands/io.js';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function runCli(argv: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
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
    cwd: process.cwd(),
  };
  const code = await main(argv, io);
  return { code, out, err };
}
