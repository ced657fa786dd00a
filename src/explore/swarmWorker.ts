// A swarm worker thread: receives jobs (model variant + walk options), runs the random
// walks and posts the result back. Loaded from dist/ as compiled JavaScript; it loads each
// model from the file the main thread loaded it from (src/registry.ts).
import { parentPort } from 'node:worker_threads';
import { InputError } from '../errors.js';
import { modelFromFile } from '../registry.js';
import { compileSystem, type CompiledSystem } from '../system.js';
import { randomWalks } from './random.js';
import type { SwarmJob } from './swarm.js';

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

const port = parentPort;
if (port !== null) {
  port.on('message', (job: SwarmJob) => {
    // A model that fails to load is reported back as a message, not as a crashed thread.
    systemOf(job).then(
      (sys) => port.postMessage({ index: job.index, result: randomWalks(sys, job.walk) }),
      (err: unknown) => port.postMessage({ index: job.index, error: (err as Error).message }),
    );
  });
}
