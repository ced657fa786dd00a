// A swarm worker thread: receives jobs (model variant + walk options + the run's shared
// stop), runs the random walks, posts progress about every half second and the result
// at the end. It polls the shared stop flag, the deadline and memory itself, so a signal
// or a limit stops it within a poll even while the main thread waits. Loaded from dist/
// as compiled JavaScript; it loads each model from the file the main thread loaded it
// from (src/registry.ts).
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { InputError } from '../errors.js';
import { modelFromFile } from '../registry.js';
import { shouldStopFrom } from '../stop.js';
import { compileSystem, type CompiledSystem } from '../system.js';
import { randomWalks } from './random.js';
import type { SwarmJob, SwarmMessage } from './swarm.js';

/** Compiled systems by model, variant and parameters (compiling is the costly part). */
const systems = new Map<string, CompiledSystem>();

async function systemOf(job: SwarmJob): Promise<CompiledSystem> {
  const key = JSON.stringify([job.file, job.model, job.variant, job.params]);
  let sys = systems.get(key);
  if (sys === undefined) {
    if (job.file === undefined)
      throw new InputError(
        'usage',
        `swarm: model '${job.model}' was not loaded from a file; workers cannot load it`,
      );
    sys = compileSystem(await modelFromFile(job.file, job.model), job.params, job.variant);
    systems.set(key, sys);
  }
  return sys;
}

const PROGRESS_MS = 500;

function run(sys: CompiledSystem, job: SwarmJob, post: (m: SwarmMessage) => void): void {
  let last = performance.now();
  const result = randomWalks(sys, job.walk, {
    shouldStop: shouldStopFrom(job.stop),
    onProgress: (p) => {
      const now = performance.now();
      if (now - last < PROGRESS_MS) return;
      last = now;
      post({
        kind: 'progress',
        index: job.index,
        walks: p.walks ?? 0,
        states: p.states,
        decided: p.decided ?? [],
      });
    },
  });
  post({ kind: 'result', index: job.index, result });
}

const port = parentPort;
if (port !== null) {
  const post = (m: SwarmMessage): void => port.postMessage(m);
  port.on('message', (job: SwarmJob) => {
    // A model that fails to load is reported back as a message, not as a crashed thread.
    systemOf(job).then(
      (sys) => run(sys, job, post),
      (err: unknown) => post({ kind: 'error', index: job.index, error: (err as Error).message }),
    );
  });
}
