// GitHub Actions job summaries: when GITHUB_STEP_SUMMARY names a file, commands append
// Markdown to it (GitHub renders it on the run's page). Appending is the documented
// protocol: several steps share one file.
import { appendToFile } from './files.js';

/** Escapes a Markdown table cell. */
export function mdCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

const line = (cells: readonly string[]): string => `| ${cells.map(mdCell).join(' | ')} |`;

/** A Markdown table with a header row. */
export function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') + '\n';
}

/**
 * Appends `markdown` to the file named by GITHUB_STEP_SUMMARY in `env`, if set.
 * Returns the file appended to, or undefined when the variable is unset or empty.
 */
export function appendStepSummary(
  env: Readonly<Record<string, string | undefined>>,
  markdown: string,
): string | undefined {
  const file = env['GITHUB_STEP_SUMMARY'];
  if (file === undefined || file === '') return undefined;
  appendToFile(file, markdown.endsWith('\n') ? markdown : markdown + '\n', 'GITHUB_STEP_SUMMARY file');
  return file;
}
