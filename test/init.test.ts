// `foliocheck init [DIR]`: scaffolds the template files and package.json scripts, never
// overwrites (one line, exit 2, nothing written), and the scaffold's pins are what its model
// gives (the tarball test, test/package.test.ts, runs the generated vitest test itself).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { templateFiles } from '../src/commands/init.js';
import { expectVerdicts } from '../src/testing.js';
import template from '../templates/init/models/pin-vs-convert.js';
import { runCli } from './helpers.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'foliocheck-init-'));

describe('foliocheck init', () => {
  it('writes the model, test, pins, config and workflow, and a package.json with scripts', async () => {
    const dir = join(tmp(), 'My Design');
    const run = await runCli(['init', dir]);
    expect({ code: run.code, output: run.err }).toMatchObject({ code: 0 });
    const files = templateFiles();
    expect(files).toEqual([
      '.github/workflows/foliocheck.yml',
      'foliocheck.config.ts',
      'models/pin-vs-convert.ts',
      'test/pin-vs-convert.pins.json',
      'test/pin-vs-convert.test.ts',
    ]);
    for (const f of files)
      expect(readFileSync(join(dir, f), 'utf8')).toBe(readFileSync(join('templates/init', f), 'utf8'));
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg).toMatchObject({
      name: 'my-design',
      type: 'module',
      scripts: { test: 'vitest run', 'check:models': 'foliocheck check --out foliocheck-traces' },
    });
    expect(run.out).toContain('npm install --save-dev foliocheck xstate vitest');
  });

  it('adds only missing scripts to an existing package.json (npm init placeholder counts as missing)', async () => {
    const dir = tmp();
    const placeholder = 'echo "Error: no test specified" && exit 1';
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'x',
        scripts: { test: placeholder, 'check:models': 'mine' },
        devDependencies: { vitest: '^4' },
      }),
    );
    const run = await runCli(['init'], {}, dir);
    expect({ code: run.code, output: run.err }).toMatchObject({ code: 0 });
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts).toEqual({ test: 'vitest run', 'check:models': 'mine' });
    expect(run.out).toContain("scripts 'test'");
    expect(run.out).toContain('npm install --save-dev foliocheck xstate\n');
  });

  it('refuses to overwrite any file: one line, exit 2, nothing written', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'models'));
    writeFileSync(join(dir, 'models/pin-vs-convert.ts'), 'mine\n');
    const run = await runCli(['init', dir]);
    expect(run.code).toBe(2);
    expect(run.err.trimEnd().split('\n')).toHaveLength(1);
    expect(run.err).toContain('pin-vs-convert.ts already exists; nothing was written');
    expect(readdirSync(dir).sort()).toEqual(['models']);
    expect(readFileSync(join(dir, 'models/pin-vs-convert.ts'), 'utf8')).toBe('mine\n');
    expect(existsSync(join(dir, 'package.json'))).toBe(false);
  });

  it('the template model has the verdicts it declares and the state counts its pins file records', () => {
    expectVerdicts(template, { pins: 'templates/init/test/pin-vs-convert.pins.json' });
  });
});
