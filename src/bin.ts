#!/usr/bin/env node
// Entry point of the `foliocheck` executable. Whatever escapes a command (an error thrown
// in a callback, a rejected promise) is a fatal error: one line, exit 4, never exit 1,
// which CI reads as a verdict regression.
import { main, reportFatal } from './cli.js';
import { processIo } from './commands/io.js';

const debug = process.argv.includes('--debug');
const fatal = (err: unknown): void => {
  reportFatal(err, { err: (t) => process.stderr.write(t) }, debug);
  process.exit(4);
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);
process.exitCode = await main(process.argv.slice(2), processIo());
// One more turn of the event loop, so that a signal that arrived while the results were
// being written is seen (a second SIGINT/SIGTERM exits 130) rather than lost at exit.
await new Promise((resolve) => setImmediate(resolve));
