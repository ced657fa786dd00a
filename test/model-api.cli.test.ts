// A deliberately vacuous property through the CLI: `holds (vacuous)` in the text table,
// "vacuous" in JSON, a JUnit failure unless expected, exit 1 when 'holds' was expected.
// The fixture model is checked from its file, as a user's model is.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const MODEL = 'test/fixtures/vacuousModel.ts';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'foliocheck-vacuous-'));

describe('check on a vacuous property', () => {
  it('prints holds (vacuous) and exits 0 when the variant expects it', async () => {
    const res = await runCli(['check', `${MODEL}:expects-vacuous`]);
    expect(res.code).toBe(0);
    const row = res.out.split('\n').find((l) => l.includes(' never-5 '));
    expect(row).toMatch(/never-5\s+holds \(vacuous\)\s+holds \(vacuous\)\s/);
  });

  it('exits 1 when the variant expects holds, with the mismatch in text, JSON and JUnit', async () => {
    const text = await runCli(['check', `${MODEL}:expects-holds`]);
    expect(text.code).toBe(1);
    expect(text.out.split('\n').find((l) => l.includes(' never-5 '))).toMatch(
      /never-5\s+holds \(vacuous\)\s+holds\s/,
    );

    const json = await runCli(['check', `${MODEL}:expects-holds`, '--json']);
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
    const junit = await runCli(['check', MODEL, '--junit', file]);
    expect(junit.code).toBe(1);
    const xml = readFileSync(file, 'utf8');
    expect(xml).toContain('<testsuite name="vacuous-demo:expects-holds" tests="8" failures="1"');
    expect(xml).toContain('<testsuite name="vacuous-demo:expects-vacuous" tests="8" failures="0"');
    expect(xml).toContain('message="expected holds, got holds (vacuous)"');
  });
});
