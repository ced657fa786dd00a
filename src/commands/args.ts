// A small strict argument parser: every command declares its flags; anything else is a
// one-line error naming the nearest valid flag.
import { InputError, nearest } from '../errors.js';

export interface FlagSpec {
  readonly name: string;
  /** Value placeholder for --help (undefined: a boolean switch). */
  readonly value?: string;
  readonly repeatable?: boolean;
  readonly doc: string;
}

export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly flags: ReadonlyMap<string, readonly string[]>;
}

export function parseArgs(command: string, argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string[]>();
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--') || arg === '--') {
      if (arg.startsWith('-') && arg !== '-' && arg !== '--') {
        throw new InputError(
          'usage',
          `${command}: unknown option '${arg}'; see 'foliocheck ${command} --help'`,
        );
      }
      if (arg !== '--') positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const spec = byName.get(name);
    if (spec === undefined) {
      const near = nearest(name, [...byName.keys()]);
      const hint = near === undefined ? '' : ` (did you mean --${near}?)`;
      throw new InputError(
        'usage',
        `${command}: unknown option '--${name}'${hint}; see 'foliocheck ${command} --help'`,
      );
    }
    let value: string;
    if (spec.value === undefined) {
      if (eq >= 0) throw new InputError('usage', `${command}: --${name} takes no value`);
      value = 'true';
    } else if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        throw new InputError('usage', `${command}: --${name} needs a value (${spec.value})`);
      }
      value = next;
      i++;
    }
    const list = flags.get(name) ?? [];
    if (list.length > 0 && spec.repeatable !== true) {
      throw new InputError('usage', `${command}: --${name} given twice`);
    }
    list.push(value);
    flags.set(name, list);
  }
  return { positionals, flags };
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.flags.has(name);
}

export function option(args: ParsedArgs, name: string): string | undefined {
  return args.flags.get(name)?.[0];
}

/** A non-negative integer option, with a one-line error when it is not one. */
export function intOption(args: ParsedArgs, command: string, name: string, min = 0): number | undefined {
  const text = option(args, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new InputError('usage', `${command}: --${name} must be an integer ≥ ${min}, got '${text}'`);
  }
  return Number(text);
}

/** One of a fixed set of choices. */
export function choiceOption<T extends string>(
  args: ParsedArgs,
  command: string,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const text = option(args, name);
  if (text === undefined) return fallback;
  if (!(choices as readonly string[]).includes(text)) {
    const near = nearest(text, choices);
    const hint = near === undefined ? '' : ` (did you mean ${near}?)`;
    throw new InputError(
      'usage',
      `${command}: --${name} must be one of ${choices.join(', ')}, got '${text}'${hint}`,
    );
  }
  return text as T;
}

export function helpText(usage: string, summary: string, specs: readonly FlagSpec[], extra = ''): string {
  const width =
    Math.max(...specs.map((s) => s.name.length + (s.value === undefined ? 0 : s.value.length + 1)), 8) + 4;
  const lines = specs.map((s) => {
    const left = `--${s.name}${s.value === undefined ? '' : ' ' + s.value}`;
    return `  ${left.padEnd(width)}${s.doc}`;
  });
  return `usage: ${usage}\n\n${summary}\n\noptions:\n${lines.join('\n')}\n${extra}`;
}
