// `foliocheck list [MODEL|FILE ...]`: models, their variants, parameters and properties —
// the project config's models (the shipped catalogue without a config), or those named.
import type { FlagSpec, ParsedArgs } from './args.js';
import { flag } from './args.js';
import type { Io } from './io.js';
import { configFlag, openRegistry } from './models.js';

export const listFlags: readonly FlagSpec[] = [
  { name: 'json', doc: 'print one JSON object instead of text' },
  configFlag,
];

export async function listCommand(args: ParsedArgs, io: Io): Promise<number> {
  const registry = await openRegistry(args, io);
  const selected = await registry.select(args.positionals);
  const models = [...new Set(selected.map((s) => s.model))].map((m) => ({
    id: m.id,
    title: m.title,
    summary: m.summary,
    maxDepth: m.maxDepth ?? null,
    params: m.params,
    variants: Object.entries(m.variants).map(([name, v]) => ({
      name,
      doc: v.doc,
      flaws: v.flaws,
      expect: v.expect,
    })),
    properties: m.properties.map((p) => ({ name: p.name, kind: p.kind, over: p.over, doc: p.doc })),
  }));
  if (flag(args, 'json')) {
    io.out(JSON.stringify({ models }, null, 2) + '\n');
    return 0;
  }
  for (const m of models) {
    io.out(`${m.id} — ${m.title}\n`);
    const bound = m.maxDepth === null ? 'exhaustive' : `depth ≤ ${m.maxDepth}`;
    io.out(`  bound: ${bound}\n  params:\n`);
    for (const [name, p] of Object.entries(m.params)) {
      io.out(`    ${name}=${p.default}  (${p.min}..${p.max}) ${p.doc}\n`);
    }
    io.out('  variants:\n');
    for (const v of m.variants) {
      const flaws = v.flaws.length === 0 ? '' : ` [exhibits ${v.flaws.join(', ')}]`;
      io.out(`    ${v.name}${flaws}: ${v.doc}\n`);
    }
    io.out('  properties:\n');
    for (const p of m.properties) io.out(`    ${p.kind} ${p.name}: ${p.doc}\n`);
    io.out('\n');
  }
  return 0;
}
