// A swarm worker thread: receives jobs (model variant + walk options), runs the random
// walks and posts the result back. Loaded from dist/ as compiled JavaScript.
import { parentPort } from 'node:worker_threads';
import { findModel } from '../registry.js';
import { compileSystem } from '../system.js';
import { randomWalks } from './random.js';
import type { SwarmJob } from './swarm.js';

const port = parentPort;
if (port !== null) {
  port.on('message', (job: SwarmJob) => {
    const sys = compileSystem(findModel(job.model), job.params, job.variant);
    port.postMessage({ index: job.index, result: randomWalks(sys, job.walk) });
  });
}
