// A swarm worker thread: receives jobs (model variant + walk options), runs the random
// walks and posts the result back. Loaded from dist/ as compiled JavaScript.
import { parentPort } from 'node:worker_threads';
import { findModel } from '../registry.js';
import { compileSystem, type CompiledSystem } from '../system.js';
import { randomWalks } from './random.js';
import type { SwarmJob } from './swarm.js';

/** Compiled systems by model, variant and parameters (compiling is the costly part). */
const systems = new Map<string, CompiledSystem>();

function systemOf(job: SwarmJob): CompiledSystem {
  const key = JSON.stringify([job.model, job.variant, job.params]);
  let sys = systems.get(key);
  if (sys === undefined) {
    sys = compileSystem(findModel(job.model), job.params, job.variant);
    systems.set(key, sys);
  }
  return sys;
}

const port = parentPort;
if (port !== null) {
  port.on('message', (job: SwarmJob) => {
    const sys = systemOf(job);
    port.postMessage({ index: job.index, result: randomWalks(sys, job.walk) });
  });
}
