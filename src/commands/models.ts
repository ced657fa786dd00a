// How commands find their models: the --config flag they share and the registry it opens
// (src/registry.ts: model files, the project config, the shipped catalogue).
import { Registry } from '../registry.js';
import { option, type FlagSpec, type ParsedArgs } from './args.js';
import type { Io } from './io.js';

export const configFlag: FlagSpec = {
  name: 'config',
  value: 'FILE',
  doc: 'project config to use instead of the nearest foliocheck.config.{ts,mts,js,mjs,json} (docs/packaging.md)',
};

/** The registry of this invocation: models from files, the project config and the shipped catalogue. */
export function openRegistry(args: ParsedArgs, io: Io): Promise<Registry> {
  return Registry.open({ cwd: io.cwd, config: option(args, 'config') });
}
