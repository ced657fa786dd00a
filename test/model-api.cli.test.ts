// A deliberately vacuous property through the CLI: `holds (vacuous)` in the text table,
// "vacuous" in JSON, a JUnit failure unless expected, exit 1 when 'holds' was expected.
// The fixture model joins the shipped catalogue for this file only.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { AnyModel } from '../src/model.js';
import { runCli } from './helpers.js';

vi.mock('../models/index.js', async (importOriginal) => {
  const shipped = await importOriginal<{ models: readonly AnyModel[] }>();
  const { vacuousModel } = await import('./fixtures/vacuousModel.js');
  return { ...shipped, models: [...shipped.models, vacuousModel] };
});

const tmp = (): string => mkdtempSync(join(tmpdir(), 'foliocheck-vacuous-'));

describe('check on a vacuous property', () => {
  it('prints holds (vacuous) and exits 0 when the variant expects it', async () => {
    const res = await runCli(['check', 'vacuous-demo:expects-vacuous']);
    expect(res.code).toBe(0);
    const row = res.out.split('\n').find((l) => l.includes(' never-5 '));
    expect(row).toMatch(/never-5\s+holds \(vacuous\)\s+holds \(vacuous\)\s/);
  });

  it('exits 1 when the variant expects holds, with the mismatch in text, JSON and JUnit', async () => {
    const text = await runCli(['check', 'vacuous-demo:expects-holds']);
    expect(text.code).toBe(1);
    expect(text.out.split('\n').find((l) => l.includes(' never-5 '))).toMatch(
      /never-5\s+holds \(vacuous\)\s+holds\s/,
    );

    const json = await runCli(['check', 'vacuous-demo:expects-holds', '--json']);
    expect(json.code).toBe(1);
    const body = JSON.parse(json.out) as {
      ok: boolean;
      runs: { properties: { name: string; verdict: string; expected: string; premise: string | null }[] }[];
    };
    expect(body.ok).toBe(false);
    expect(body.runs[0]?.properties.find((p) => p.name === 'never-5')).toMatchObject({
      verdict: 'vacuous',
      expected: 'holds',
      premise: 'unmet',
    });
    expect(body.runs[0]?.properties.find((p) => p.name === 'at-most-3')).toMatchObject({
      verdict: 'holds',
      premise: 'met',
    });

    const file = join(tmp(), 'junit.xml');
    const junit = await runCli(['check', 'vacuous-demo', '--junit', file]);
    expect(junit.code).toBe(1);
    const xml = readFileSync(file, 'utf8');
    expect(xml).toContain('<testsuite name="vacuous-demo:expects-holds" tests="8" failures="1"');
    expect(xml).toContain('<testsuite name="vacuous-demo:expects-vacuous" tests="8" failures="0"');
    expect(xml).toContain('message="expected holds, got holds (vacuous)"');
  });
});
