// Text formatting shared by commands and reports: machine states, tables.
import type { AnyMachineSnapshot, StateValue } from 'xstate';

/** "attr=private hostMap=unmapped" for parallel values, "a.b" for nested compound ones. */
export function formatValue(value: StateValue): string {
  if (typeof value === 'string') return value;
  return Object.entries(value)
    .map(([region, sub]) => {
      const inner = formatValue(sub as StateValue);
      return typeof sub === 'string' ? `${region}=${inner}` : `${region}.${inner}`;
    })
    .join(' ');
}

export function formatContext(context: unknown): string {
  if (context === null || typeof context !== 'object') return '';
  const entries = Object.entries(context as Record<string, unknown>);
  return entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
}

export function formatSnapshot(s: AnyMachineSnapshot): string {
  const ctx = formatContext(s.context);
  return ctx === '' ? formatValue(s.value) : `${formatValue(s.value)} {${ctx}}`;
}

/** Left-aligned text table; numeric-looking columns are right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((r) => /^[\d.,]+$/.test(r[c] ?? '')));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (numeric[c] ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}
