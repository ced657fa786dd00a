// A swarm worker thread: receives jobs (model variant + walk options + the run's shared
// stop), runs the random walks, posts progress about every half second and the result
// at the end. It polls the shared stop flag, the deadline and memory itself, so a signal
// or a limit stops it within a poll even while the main thread waits. Loaded from dist/
// as compiled JavaScript.
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { findModel } from '../registry.js';
import { shouldStopFrom } from '../stop.js';
import { compileSystem, type CompiledSystem } from '../system.js';
import { randomWalks } from './random.js';
import type { SwarmJob, SwarmMessage } from './swarm.js';

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

const PROGRESS_MS = 500;

const port = parentPort;
if (port !== null) {
  const post = (m: SwarmMessage): void => port.postMessage(m);
  port.on('message', (job: SwarmJob) => {
    const sys = systemOf(job);
    let last = performance.now();
    const result = randomWalks(sys, job.walk, {
      shouldStop: shouldStopFrom(job.stop),
      onProgress: (p) => {
        const now = performance.now();
        if (now - last < PROGRESS_MS) return;
        last = now;
        post({ kind: 'progress', index: job.index, walks: p.walks ?? 0, states: p.states });
      },
    });
    post({ kind: 'result', index: job.index, result });
  });
}
