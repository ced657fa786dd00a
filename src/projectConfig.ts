// The shape of a project config (foliocheck.config.ts), apart from the code that loads it
// (src/config.ts), so that a config file's `import { defineConfig } from 'foliocheck'` loads
// nothing else.

export interface FoliocheckConfig {
  /**
   * Model files or globs (`models/*.ts`). Each file default-exports a model or an array of
   * models, or exports an array named `models`.
   */
  readonly models?: readonly string[];
  /** Flaw catalogues (JSON files, see docs/packaging.md) whose ids the models may declare. */
  readonly flaws?: readonly string[];
}

/** Identity function that type-checks a config (`export default defineConfig({...})`). */
export function defineConfig(config: FoliocheckConfig): FoliocheckConfig {
  return config;
}
