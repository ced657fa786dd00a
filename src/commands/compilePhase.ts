// Compiling a run's machines as a phase of its own, before the search: polled by the
// run's stop (a limit or signal ends it within a poll, as it ends a search), with
// progress on stderr as the search's (nothing for compiles under a second; then a line
// every few seconds, or redrawn in place on a terminal) and a closing line saying how
// long it took, so the search's own seconds and states/s count the search alone.
import { performance } from 'node:perf_hooks';
import { describeStop, type ShouldStop } from '../stop.js';
import {
  compileSystemAsync,
  type CompiledSystem,
  type CompileProgress,
  type CompileStopped,
} from '../system.js';
import type { Plan } from './check.js';
import type { Io } from './io.js';
import { memoryInUse } from './limits.js';
import { formatCount } from './progress.js';

const TTY_EVERY_MS = 200;
const PLAIN_EVERY_MS = 5000;
const QUIET_FOR_MS = 1000;

function progressText(p: CompileProgress): string {
  const pass = p.pass > 1 ? `, pass ${p.pass}` : '';
  return `machine '${p.kind}' ${formatCount(p.localStates)} local states x ${p.events} events${pass}`;
}

/**
 * The compiled system of `plan`, or why its compile stopped (a one-line note is printed
 * on stderr then: the run was not started). Bad models still throw InputError.
 */
export async function compileForRun(
  plan: Plan,
  shouldStop: ShouldStop,
  io: Io,
): Promise<CompiledSystem | CompileStopped> {
  const label = `${plan.model.id}:${plan.variant}`;
  const start = performance.now();
  let last = start;
  let drawn = false;
  let shown = false;
  const seconds = (): string => ((performance.now() - start) / 1000).toFixed(1);
  io.debug?.(`compile ${label} started`);
  const compiled = await compileSystemAsync(plan.model, plan.params, plan.variant, {
    shouldStop,
    onProgress(p) {
      const now = performance.now();
      if (now - start < QUIET_FOR_MS || now - last < (io.isTTY ? TTY_EVERY_MS : PLAIN_EVERY_MS)) return;
      last = now;
      shown = true;
      const memory = `${(memoryInUse() / 2 ** 30).toFixed(2)} GiB, ${((now - start) / 1000).toFixed(0)} s`;
      const line = `${label}: compiling machines: ${progressText(p)}, ${memory}`;
      if (io.isTTY) {
        io.err(`\r\x1b[2K${line}`);
        drawn = true;
      } else io.err(`progress ${line}\n`);
    },
  });
  if (drawn) io.err('\r\x1b[2K');
  if ('stopped' in compiled) {
    const where = compiled.progress === undefined ? '' : ` (${progressText(compiled.progress)})`;
    io.err(
      `foliocheck: ${label}: ${describeStop(compiled.stopped)} while compiling its machines${where} after ${seconds()} s; the search was not started\n`,
    );
  } else if (shown || performance.now() - start >= QUIET_FOR_MS) {
    io.err(`progress ${label}: machines compiled in ${seconds()} s; searching\n`);
  }
  return compiled;
}
