// The CLI's window on the outside world, so commands run in-process in tests.

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (live progress redraws in place). */
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Calls `handler` on SIGINT/SIGTERM until the returned function is called (absent: no signals). */
  readonly onSignal?: (handler: (signal: string) => void) => () => void;
  /** Ends the process at once (a second Ctrl-C); absent in-process. */
  readonly exit?: (code: number) => never;
}

export function processIo(): Io {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    isTTY: process.stderr.isTTY,
    env: process.env,
    cwd: process.cwd(),
    onSignal: (handler) => {
      let on = (signal: NodeJS.Signals): void => handler(signal);
      const listener = (signal: NodeJS.Signals): void => on(signal);
      process.on('SIGINT', listener);
      process.on('SIGTERM', listener);
      // Once the command no longer watches (it is printing and writing its results), a
      // signal means "exit now": 130, as a second signal during the search would.
      return () => {
        on = () => process.exit(130);
      };
    },
    exit: (code) => process.exit(code),
  };
}
