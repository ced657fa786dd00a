#!/usr/bin/env node
// Entry point of the `foliocheck` executable. SIGINT and SIGTERM are watched before any
// command or model is loaded (processIo), so a signal that arrives while models load is
// a stop like any other (exit 3, 130 on a second one), never the default action.
// Whatever escapes a command (an error thrown in a callback, a rejected promise) is a
// fatal error: one line, exit 4, never exit 1, which CI reads as a verdict regression.
import { processIo } from './commands/io.js';
import { reportFatal } from './errors.js';

const io = processIo();
const debug = process.argv.includes('--debug');
if (debug) io.err('debug: watching SIGINT and SIGTERM\n');
const fatal = (err: unknown): void => {
  reportFatal(err, io, debug);
  process.exit(4);
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);
// The command table (and through it the engine) loads only now, with signals watched.
const { main } = await import('./cli.js');
process.exitCode = await main(process.argv.slice(2), io);
// One more turn of the event loop, so that a signal that arrived while the results were
// being written is seen (a second SIGINT/SIGTERM exits 130) rather than lost at exit.
await new Promise((resolve) => setImmediate(resolve));
