// JUnit XML for CI systems (GitHub, GitLab, Jenkins): suites of test cases, each passed,
// failed with a message, or skipped. Shared by every command that takes --junit.
import { writeFileAtomic } from './files.js';

export interface JunitCase {
  readonly name: string;
  readonly classname: string;
  /** Seconds; omitted when unknown. */
  readonly time?: number;
  readonly failure?: { readonly message: string; readonly type: string; readonly text: string };
  /** Reason the case was not decided (exclusive with failure). */
  readonly skipped?: string;
}

export interface JunitSuite {
  readonly name: string;
  readonly cases: readonly JunitCase[];
  readonly time?: number;
}

/** Escapes text for XML attributes and content, dropping characters XML 1.0 forbids. */
export function xmlEscape(text: string): string {
  return (
    text
      // oxlint-disable-next-line no-control-regex -- these are exactly the characters XML 1.0 forbids
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

const time = (t: number | undefined): string => (t === undefined ? '' : ` time="${t.toFixed(3)}"`);

function caseXml(c: JunitCase): string {
  const open = `    <testcase name="${xmlEscape(c.name)}" classname="${xmlEscape(c.classname)}"${time(c.time)}`;
  if (c.failure !== undefined) {
    const f = c.failure;
    return `${open}>\n      <failure message="${xmlEscape(f.message)}" type="${xmlEscape(f.type)}">${xmlEscape(f.text)}</failure>\n    </testcase>`;
  }
  if (c.skipped !== undefined)
    return `${open}>\n      <skipped message="${xmlEscape(c.skipped)}"/>\n    </testcase>`;
  return `${open}/>`;
}

/** The whole document: a <testsuites> root with per-suite and total counts. */
export function junitXml(name: string, suites: readonly JunitSuite[]): string {
  const count = (s: JunitSuite): [number, number, number] => [
    s.cases.length,
    s.cases.filter((c) => c.failure !== undefined).length,
    s.cases.filter((c) => c.skipped !== undefined && c.failure === undefined).length,
  ];
  const totals = suites.map(count).reduce((a, b) => [a[0] + b[0], a[1] + b[1], a[2] + b[2]], [0, 0, 0]);
  const body = suites.map((s) => {
    const [tests, failures, skipped] = count(s);
    const head = `  <testsuite name="${xmlEscape(s.name)}" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}"${time(s.time)}>`;
    return [head, ...s.cases.map(caseXml), '  </testsuite>'].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlEscape(name)}" tests="${totals[0]}" failures="${totals[1]}" errors="0" skipped="${totals[2]}">`,
    ...body,
    '</testsuites>',
    '',
  ].join('\n');
}

/** Writes the document atomically (a failed write leaves no partial file). */
export function writeJunit(file: string, name: string, suites: readonly JunitSuite[]): void {
  writeFileAtomic(file, junitXml(name, suites));
}
