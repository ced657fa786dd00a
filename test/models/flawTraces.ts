// Test helper for flaw models: check one variant with the CLI, read the counterexample it
// writes for one property, replay it, and return its events as compact labels.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Trace } from '../../src/trace.js';
import { runCli } from '../helpers.js';

/** `actor.type(arg=value,...)` plus `!OUTCOME` when the step was refused. */
export function label(e: Trace['events'][number]): string {
  const args = Object.entries(e.args)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
  return `${e.actor}.${e.type}(${args})${e.outcome === 'ok' ? '' : `!${e.outcome}`}`;
}

/**
 * Runs `check MODEL:VARIANT --out DIR`, asserts that it exits 0 (every verdict as
 * expected) and that the trace of `property` replays to the same violation (exit 0);
 * returns the trace's event labels.
 */
export async function counterexample(model: string, variant: string, property: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'foliocheck-flaw-'));
  const check = await runCli(['check', `${model}:${variant}`, '--out', dir]);
  expect(check.code).toBe(0);
  const file = join(dir, `${model}.${variant}.${property}.trace.json`);
  const trace = JSON.parse(readFileSync(file, 'utf8')) as Trace;
  expect(trace.property).toMatchObject({ name: property, verdict: 'violated' });
  const replay = await runCli(['replay', file]);
  expect(replay.code).toBe(0);
  return trace.events.map(label);
}
