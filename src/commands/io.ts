// The CLI's window on the outside world, so commands run in-process in tests.

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (live progress redraws in place). */
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export function processIo(): Io {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    isTTY: process.stderr.isTTY,
    env: process.env,
    cwd: process.cwd(),
  };
}
