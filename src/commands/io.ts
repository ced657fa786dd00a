// The CLI's window on the outside world, so commands run in-process in tests.

/**
 * Receives SIGINT/SIGTERM for a command. `noted` is true when the signal arrived before
 * the command watched and its one-line note was printed then (the handler prints none).
 */
export type SignalHandler = (signal: string, noted: boolean) => void;

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (live progress redraws in place). */
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /**
   * Calls `handler` on SIGINT/SIGTERM until the returned function is called (absent: no
   * signals). A signal that arrived before the call (while the models loaded) is handed
   * to `handler` at once.
   */
  readonly onSignal?: (handler: SignalHandler) => () => void;
  /** Ends the process at once (a second Ctrl-C); absent in-process. */
  readonly exit?: (code: number) => never;
  /** With --debug: prints a `debug: ` line on stderr (what tests wait for before signalling). */
  readonly debug?: (text: string) => void;
}

/** What the process does with a signal while no command watches (see processIo). */
type Watch = SignalHandler | 'exit' | undefined;

/**
 * The process's window, watching SIGINT and SIGTERM from the moment it is made (bin.ts
 * makes it before loading any command or model), so no signal ever gets the default
 * action. A first signal before a command watches is noted on stderr and kept for the
 * command's handler; a second signal, at any time, exits at once with 130; so does any
 * signal once the command has stopped watching (it is printing and writing its results).
 */
export function processIo(): Io {
  let count = 0;
  let pending: string | undefined;
  let watch: Watch;
  const listener = (signal: NodeJS.Signals): void => {
    if (++count > 1 || watch === 'exit') process.exit(130);
    if (watch !== undefined) return watch(signal, false);
    pending = signal;
    process.stderr.write(`\n${signal}: stopping before the search starts (again to exit at once)\n`);
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    isTTY: process.stderr.isTTY,
    env: process.env,
    cwd: process.cwd(),
    onSignal: (handler) => {
      watch = handler;
      if (pending !== undefined) handler(pending, true);
      pending = undefined;
      return () => {
        watch = 'exit';
      };
    },
    exit: (code) => process.exit(code),
  };
}
