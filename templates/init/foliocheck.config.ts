// foliocheck's project config: `npx foliocheck check` (no model named) checks these files.
// Paths are relative to this file; see foliocheck's docs/packaging.md.
import { defineConfig } from 'foliocheck';

export default defineConfig({
  models: ['models/*.ts'],
  // flaws: ['flaws.json'], // a flaw catalogue of your own, beside the shipped one
});
