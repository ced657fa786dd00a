// Plain-text layout helpers for the text report and replay: word wrapping to a column
// limit (mail is read at 72-80 columns) and aligned two-column lists.

/** The text report's column limit: every line it prints is at most this wide. */
export const TEXT_WIDTH = 80;

/** Display width of a line (code points; the reports print no wide characters). */
export function width(s: string): number {
  return Array.from(s).length;
}

/**
 * Word-wraps `text` to `limit` columns: the first line starts with `first`, the others with
 * `rest` (a hanging indent). A single word longer than a line is kept whole on its own line.
 */
export function wrap(text: string, limit: number, first = '', rest = first): string[] {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const w of words) {
    if (!empty && width(line) + 1 + width(w) > limit) {
      lines.push(line);
      line = rest + w;
    } else {
      line = empty ? line + w : `${line} ${w}`;
    }
    empty = false;
  }
  lines.push(line);
  return lines.map((l) => l.trimEnd());
}

/**
 * Rows of `[label, text]` with the labels padded to one column and each text wrapped
 * under itself: `  vmm             idle -> faulting`.
 */
export function labelled(
  rows: readonly (readonly [string, string])[],
  indent: string,
  limit = TEXT_WIDTH,
  maxLabel = 22,
  minLabel = 0,
): string[] {
  const labelWidth = Math.min(maxLabel, Math.max(minLabel, ...rows.map(([l]) => width(l))));
  return rows.flatMap(([label, text]) => {
    const pad = ' '.repeat(Math.max(0, labelWidth - width(label)));
    const hang = ' '.repeat(width(indent) + labelWidth + 2);
    if (width(label) > labelWidth) return [indent + label, ...wrap(text, limit, hang)];
    return wrap(text, limit, `${indent}${label}${pad}  `, hang);
  });
}
