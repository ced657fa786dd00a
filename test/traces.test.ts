// Every counterexample the tool writes replays to the same violation.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

describe('every written counterexample replays', () => {
  it('check --out over every shipped model, then replay each trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'foliocheck-traces-'));
    const check = await runCli(['check', '--out', dir, '--json']);
    expect(check.code).toBe(0);
    const body = JSON.parse(check.out) as {
      runs: { properties: { verdict: string; trace: string | null }[] }[];
    };
    const violated = body.runs.flatMap((r) => r.properties.filter((p) => p.verdict === 'violated'));
    const files = readdirSync(dir)
      .map((f) => join(dir, f))
      .sort((a, b) => a.localeCompare(b));
    expect(files).toEqual(violated.map((p) => p.trace).sort((a, b) => String(a).localeCompare(String(b))));
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) {
      const replay = await runCli(['replay', file, '--json']);
      const out = JSON.parse(replay.out) as {
        ok: boolean;
        divergence: unknown;
        property: { reproduced: boolean };
      };
      expect({
        file,
        code: replay.code,
        divergence: out.divergence,
        reproduced: out.property.reproduced,
      }).toEqual({
        file,
        code: 0,
        divergence: null,
        reproduced: true,
      });
    }
  });
});
