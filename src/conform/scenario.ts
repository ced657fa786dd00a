// Parser of conformance scenarios: plain-text files modelled on LKMM litmus tests that
// list the operations of one kernel selftest function and the outcome the test asserts.
//
// Grammar (one item per line; blank lines and comments anywhere):
//
//   scenario  := name-line model-line gap-line? step+
//   name-line := "scenario" NAME                 NAME = the file's path under scenarios/
//                                                without ".litmus" (e.g. guest_memfd_test/test_fallocate)
//   model-line:= "model" MODEL[":"VARIANT] (PARAM "=" INT)*
//   gap-line  := "gap" REASON...                  a known model gap: the scenario is expected to
//                                                fail for REASON until the model has what it needs
//   step      := N "." ACTOR OP (ARG "=" VALUE)* "->" OUTCOME
//   comment   := "(*" ... "*)" (may span lines, as in litmus tests) | "#" to end of line
//
// N numbers the steps 1, 2, 3 ... without gaps. ACTOR, OP and ARG are words
// ([A-Za-z_][A-Za-z0-9_-]*); VALUE and OUTCOME are single tokens without spaces.
// OUTCOME is what the selftest asserts:
//   ok                  the operation succeeds (a read's value is then not checked)
//   EINVAL, ENODEV ...  it fails with this errno
//   error               it fails with some errno (the test asserts only "< 0")
//   SIGBUS, SIGSEGV     the access raises this signal
//   MEMORY_FAULT(...)   KVM_RUN exits with KVM_EXIT_MEMORY_FAULT (flags in parentheses)
//   0xaa, 0, 'A', 4P .. the value the operation observes (bytes read, a stat field)
// A step's operation is the model's world event with that actor, type and arguments.
import { InputError } from '../errors.js';

export interface Step {
  readonly n: number;
  readonly line: number;
  readonly actor: string;
  readonly op: string;
  readonly args: Readonly<Record<string, string>>;
  readonly expect: string;
}

export interface Scenario {
  readonly file: string;
  readonly name: string;
  readonly model: string;
  /** Line of the `model` line, for errors about the model, variant or parameters. */
  readonly modelLine: number;
  readonly variant: string | undefined;
  readonly params: Readonly<Record<string, string>>;
  /** A known model gap: why the model cannot pass this scenario yet (the `gap` line). */
  readonly gap: string | undefined;
  readonly steps: readonly Step[];
}

const WORD = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const TOKEN = /^[^\s=]+$/;

/** Canonical form of an expected or observed outcome: hex bytes as 0x%02x, words as written. */
export function canonicalOutcome(token: string): string {
  if (/^(0x[0-9a-fA-F]+|\d+)$/.test(token)) {
    const n = Number(token);
    if (n <= 0xff) return `0x${n.toString(16).padStart(2, '0')}`;
  }
  return token;
}

/** Source lines with comments blanked out (line numbers kept). */
function stripComments(text: string, file: string): string[] {
  const lines = text.split(/\r?\n/);
  let openedAt = 0;
  return lines.map((raw, i) => {
    let out = '';
    let rest = raw;
    while (rest.length > 0) {
      if (openedAt > 0) {
        const end = rest.indexOf('*)');
        if (end < 0) return out;
        openedAt = 0;
        rest = rest.slice(end + 2);
        continue;
      }
      const open = rest.indexOf('(*');
      const hash = rest.indexOf('#');
      if (hash >= 0 && (open < 0 || hash < open)) return out + rest.slice(0, hash);
      if (open < 0) return out + rest;
      out += `${rest.slice(0, open)} `;
      openedAt = i + 1;
      rest = rest.slice(open + 2);
    }
    if (i === lines.length - 1 && openedAt > 0) {
      throw new InputError('bad_scenario', `${file}:${openedAt}: comment '(*' is never closed; add '*)'`);
    }
    return out;
  });
}

/** Parse `text` (the contents of `file`); every problem is one InputError naming file:line. */
export function parseScenario(text: string, file: string): Scenario {
  const lines = stripComments(text, file);
  const bad = (line: number, msg: string): InputError =>
    new InputError('bad_scenario', `${file}:${line}: ${msg}`);
  let name: string | undefined;
  let model: { id: string; variant: string | undefined; params: Record<string, string> } | undefined;
  let modelLine = 0;
  let gap: string | undefined;
  const steps: Step[] = [];
  lines.forEach((content, i) => {
    const line = i + 1;
    const words = content
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '');
    const [head, ...rest] = words;
    if (head === undefined) return;
    if (name === undefined) {
      if (head !== 'scenario' || rest.length !== 1)
        throw bad(line, `expected 'scenario NAME' as the first line, got '${content.trim()}'`);
      name = rest[0] as string;
      return;
    }
    if (model === undefined) {
      model = parseModelLine(head, rest, (msg) => bad(line, msg));
      modelLine = line;
      return;
    }
    if (head === 'gap' && steps.length === 0 && gap === undefined) {
      if (rest.length === 0) throw bad(line, "'gap' needs a reason: 'gap the model has no PMD-sized folio'");
      gap = rest.join(' ');
      return;
    }
    steps.push(parseStep(words, steps.length + 1, line, (msg) => bad(line, msg)));
  });
  if (name === undefined) throw bad(1, "empty scenario; start with 'scenario NAME'");
  if (model === undefined) throw bad(lines.length, "missing 'model MODEL[:VARIANT] [PARAM=N ...]' line");
  if (steps.length === 0) throw bad(lines.length, "no steps; add lines like '1. host read page=0 -> 0x00'");
  return { file, name, model: model.id, modelLine, variant: model.variant, params: model.params, gap, steps };
}

function parseModelLine(
  head: string,
  rest: readonly string[],
  bad: (msg: string) => InputError,
): { id: string; variant: string | undefined; params: Record<string, string> } {
  const [selector, ...sets] = rest;
  if (head !== 'model' || selector === undefined)
    throw bad(`expected 'model MODEL[:VARIANT] [PARAM=N ...]' after the scenario line, got '${head}'`);
  const [id, variant, extra] = selector.split(':');
  if (id === undefined || id === '' || extra !== undefined || variant === '')
    throw bad(`bad model selector '${selector}'; write MODEL or MODEL:VARIANT`);
  const params: Record<string, string> = {};
  for (const s of sets) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(-?\d+)$/.exec(s);
    if (m === null) throw bad(`bad parameter '${s}'; write NAME=INTEGER (e.g. pages=4)`);
    params[m[1] as string] = m[2] as string;
  }
  return { id, variant, params };
}

function parseStep(
  words: readonly string[],
  expected: number,
  line: number,
  bad: (msg: string) => InputError,
): Step {
  const form = "write steps as 'N. ACTOR OP [ARG=VALUE ...] -> OUTCOME'";
  const [num, actor, op, ...rest] = words;
  const m = /^(\d+)\.$/.exec(num ?? '');
  if (m === null) throw bad(`expected step number '${expected}.', got '${num ?? ''}'; ${form}`);
  if (Number(m[1]) !== expected)
    throw bad(`expected step ${expected}, got ${m[1] as string}; number steps 1, 2, 3 ... without gaps`);
  if (actor === undefined || !WORD.test(actor) || op === undefined || !WORD.test(op))
    throw bad(`step ${expected} needs an actor and an operation (words); ${form}`);
  const arrow = rest.indexOf('->');
  if (arrow < 0) throw bad(`step ${expected} has no '-> OUTCOME'; ${form}`);
  const outcomeWords = rest.slice(arrow + 1);
  if (outcomeWords.length !== 1 || !TOKEN.test(outcomeWords[0] as string))
    throw bad(`step ${expected}: expected one outcome token after '->' (ok, EINVAL, SIGBUS, 0xaa ...)`);
  const args: Record<string, string> = {};
  for (const a of rest.slice(0, arrow)) {
    const am = /^([A-Za-z_][A-Za-z0-9_]*)=([^\s=]+)$/.exec(a);
    if (am === null) throw bad(`step ${expected}: bad argument '${a}'; write ARG=VALUE without spaces`);
    if ((am[1] as string) in args)
      throw bad(`step ${expected}: argument '${am[1] as string}' is given twice`);
    args[am[1] as string] = am[2] as string;
  }
  return { n: expected, line, actor, op, args, expect: outcomeWords[0] as string };
}
