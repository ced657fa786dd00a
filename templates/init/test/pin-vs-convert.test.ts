// Pins the verdicts (each variant's `expect`) and state counts (the pins file) of every
// variant of models/pin-vs-convert.ts: a change in either fails here. After an intended
// change, rewrite the pins with `FOLIOCHECK_UPDATE_PINS=1 npx vitest run` and review the diff.
import { expectVerdicts } from 'foliocheck/testing';
import { test } from 'vitest';
import model from '../models/pin-vs-convert.js';

test('pin-vs-convert: verdicts and state counts as pinned', () => {
  expectVerdicts(model, { pins: new URL('./pin-vs-convert.pins.json', import.meta.url) });
});
