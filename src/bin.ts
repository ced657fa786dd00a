#!/usr/bin/env node
// Entry point of the `foliocheck` executable.
import { main } from './cli.js';
import { processIo } from './commands/io.js';

process.exitCode = await main(process.argv.slice(2), processIo());
