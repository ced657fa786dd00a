// Where models come from. The engine knows no model: every model is loaded from a file —
// a file named on the command line (`foliocheck check path/to/model.ts:variant`), the files
// a project config lists, or the shipped catalogue, which is listed by the config file of
// foliocheck's own package (foliocheck.config.json beside its package.json).
//
// Names resolve in the project config's models first, then in the shipped catalogue. With
// no model named, commands take the project config's models, or the shipped catalogue when
// there is no project config. Every loaded model's flaw ids are checked against the flaw
// catalogues (the shipped one plus the config's).
import { dirname, join, relative, resolve, sep } from 'node:path';
import { loadCatalogues, checkModelFlaws, type FlawCatalogue } from './catalogue.js';
import { findConfig, loadConfig, type LoadedConfig } from './config.js';
import { InputError, nearest, nearestNames } from './errors.js';
import { importFile, PACKAGE_ROOT, staleBuildHint } from './load.js';
import type { AnyModel } from './model.js';
import { resolveVariant } from './params.js';
import type { TraceSource } from './trace.js';

/** The config file of foliocheck's own package: it lists the shipped catalogue. */
export const SHIPPED_CONFIG = join(PACKAGE_ROOT, 'foliocheck.config.json');

/** Recorded in a trace of a model of the shipped catalogue, which is found again by name. */
export const SHIPPED_CATALOGUE_NAME = 'foliocheck';

export interface ModelEntry {
  readonly model: AnyModel;
  /** Absolute path of the file the model was loaded from. */
  readonly file: string;
  /** True for a model of the shipped catalogue. */
  readonly shipped: boolean;
}

export interface Selection {
  readonly model: AnyModel;
  readonly variants: readonly string[];
}

/** "did you mean 'a'? other near names: b, c" — or "nearest names: a, b, c" when none is close. */
export function nearHint(name: string, names: readonly string[]): string {
  const close = nearest(name, names);
  const near = nearestNames(name, names);
  if (close === undefined) return `nearest names: ${near.join(', ')}`;
  const others = near.filter((n) => n !== close);
  return `did you mean '${close}'?${others.length > 0 ? ` other near names: ${others.join(', ')}` : ''}`;
}

/** Files each model id was loaded from in this process (swarm workers load them again). */
const loadedFrom = new Map<string, string>();

/** The file the model with this id was loaded from, if one was. */
export function modelFile(id: string): string | undefined {
  return loadedFrom.get(id);
}

function isModel(v: unknown): v is AnyModel {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Partial<AnyModel>;
  return (
    typeof m.id === 'string' &&
    typeof m.build === 'function' &&
    typeof m.variants === 'object' &&
    Array.isArray(m.properties)
  );
}

/**
 * The models a file exports: its default export (a model or an array of models), else its
 * `models` export (an array), else every named export that is a model, in export order.
 */
export function modelsOf(ns: Record<string, unknown>, file: string): AnyModel[] {
  const get = (key: string): unknown => (key in ns ? ns[key] : undefined);
  for (const c of [get('default'), get('models')]) {
    if (isModel(c)) return [c];
    if (Array.isArray(c) && c.length > 0 && c.every(isModel)) return c;
  }
  const named = Object.keys(ns).map(get).filter(isModel);
  if (named.length > 0) return named;
  throw new InputError(
    'bad_model',
    `${file} exports no model; write 'export default defineModel({...})' (or export models by name, or an array as default or as 'models')`,
  );
}

/** Loads the model with `id` from `file` (swarm workers: no registry, no checks). */
export async function modelFromFile(file: string, id: string): Promise<AnyModel> {
  const models = modelsOf(await importFile(file, 'model file'), file);
  const model = models.find((m) => m.id === id);
  if (model === undefined)
    throw new InputError(
      'unknown_model',
      `${file} has no model '${id}' (it has ${models.map((m) => m.id).join(', ')})`,
    );
  return model;
}

const SELECTOR_FILE = /^(.*\.(?:m|c)?[jt]s)(?::([^:/\\]+))?$/;

/** `path/to/model.ts[:VARIANT]` → the file and variant; undefined for a model name. */
export function fileSelector(sel: string): { file: string; variant: string | undefined } | undefined {
  const m = SELECTOR_FILE.exec(sel);
  if (m === null) return undefined;
  return { file: m[1] as string, variant: m[2] };
}

function display(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel === '' || rel.startsWith('..') ? file : rel;
}

export interface RegistryOptions {
  /** Directory the config is searched from and file selectors are relative to. */
  readonly cwd: string;
  /** --config FILE: use this config instead of searching for one. */
  readonly config?: string | undefined;
}

export class Registry {
  private readonly files = new Map<string, Promise<ModelEntry[]>>();
  private readonly origins = new Map<AnyModel, ModelEntry>();

  private constructor(
    private readonly cwd: string,
    /** The project config, when there is one that is not the shipped package's own. */
    readonly project: LoadedConfig | undefined,
    private readonly shipped: LoadedConfig,
    readonly catalogue: FlawCatalogue,
  ) {}

  static async open(opts: RegistryOptions): Promise<Registry> {
    const shipped = await loadConfig(SHIPPED_CONFIG);
    const file = opts.config === undefined ? findConfig(opts.cwd) : resolve(opts.cwd, opts.config);
    const project = file === undefined || resolve(file) === shipped.file ? undefined : await loadConfig(file);
    const catalogue = loadCatalogues([...shipped.flawFiles, ...(project?.flawFiles ?? [])]);
    return new Registry(opts.cwd, project, shipped, catalogue);
  }

  /** The models of one file, loaded once and checked against the flaw catalogues. */
  loadFile(file: string): Promise<ModelEntry[]> {
    const abs = resolve(this.cwd, file);
    let entries = this.files.get(abs);
    if (entries === undefined) {
      const isShipped = this.shipped.modelFiles.includes(abs);
      entries = importFile(abs, 'model file').then((ns) => {
        const models = modelsOf(ns, display(abs, this.cwd));
        return models.map((model) => {
          checkModelFlaws(model, this.catalogue, display(abs, this.cwd));
          loadedFrom.set(model.id, abs);
          const entry = { model, file: abs, shipped: isShipped };
          this.origins.set(model, entry);
          return entry;
        });
      });
      this.files.set(abs, entries);
    }
    return entries;
  }

  private async loadAll(files: readonly string[]): Promise<ModelEntry[]> {
    const entries: ModelEntry[] = [];
    for (const f of files) entries.push(...(await this.loadFile(f)));
    const seen = new Map<string, string>();
    for (const e of entries) {
      const other = seen.get(e.model.id);
      if (other !== undefined && other !== e.file)
        throw new InputError(
          'bad_model',
          `two models are named '${e.model.id}': in ${display(other, this.cwd)} and ${display(e.file, this.cwd)}; give one another id`,
        );
      seen.set(e.model.id, e.file);
    }
    return entries;
  }

  /** The shipped catalogue, in its own order. */
  shippedModels(): Promise<ModelEntry[]> {
    return this.loadAll(this.shipped.modelFiles);
  }

  /** What commands take when no model is named: the project config's models, else the shipped catalogue. */
  defaultModels(): Promise<ModelEntry[]> {
    return this.project === undefined ? this.shippedModels() : this.loadAll(this.project.modelFiles);
  }

  /** The model with this id: the project config's models first, then the shipped catalogue. */
  async find(id: string): Promise<ModelEntry> {
    const project = this.project === undefined ? [] : await this.loadAll(this.project.modelFiles);
    const found = project.find((e) => e.model.id === id);
    if (found !== undefined) return found;
    const shipped = await this.shippedModels();
    const inShipped = shipped.find((e) => e.model.id === id);
    if (inShipped !== undefined) return inShipped;
    const names = [...new Set([...project, ...shipped].map((e) => e.model.id))];
    const hint = staleBuildHint();
    const where =
      this.project === undefined
        ? 'the shipped catalogue'
        : `${display(this.project.file, this.cwd)} and the shipped catalogue`;
    throw new InputError(
      'unknown_model',
      `unknown model '${id}' (${nearHint(id, names)}; looked up in ${where}); ${hint ?? "give a model file path (model.ts[:VARIANT]) or see 'foliocheck list'"}`,
    );
  }

  /**
   * `MODEL`, `MODEL:VARIANT`, `FILE` or `FILE:VARIANT` selectors; none selects every variant
   * of the default models.
   */
  async select(selectors: readonly string[]): Promise<Selection[]> {
    if (selectors.length === 0)
      return (await this.defaultModels()).map(({ model }) => ({
        model,
        variants: Object.keys(model.variants),
      }));
    const out: Selection[] = [];
    for (const sel of selectors) {
      const asFile = fileSelector(sel);
      if (asFile !== undefined) {
        const entries = await this.loadAll([asFile.file]);
        for (const { model } of entries) {
          if (asFile.variant !== undefined && entries.length > 1 && !(asFile.variant in model.variants))
            continue;
          out.push({
            model,
            variants:
              asFile.variant === undefined
                ? Object.keys(model.variants)
                : [resolveVariant(model, asFile.variant)],
          });
        }
        if (!out.some((s) => entries.some((e) => e.model === s.model)))
          throw new InputError(
            'unknown_variant',
            `no model of ${asFile.file} has a variant '${asFile.variant ?? ''}' (its models: ${entries.map((e) => e.model.id).join(', ')})`,
          );
        continue;
      }
      if (/[/\\]/.test(sel))
        throw new InputError(
          'usage',
          `'${sel}' looks like a path but is not a model file: name a .ts, .mts, .cts, .js, .mjs or .cjs file (FILE or FILE:VARIANT)`,
        );
      const [id, variant, extra] = sel.split(':');
      if (extra !== undefined || id === undefined || id === '') {
        throw new InputError(
          'usage',
          `bad model selector '${sel}'; write MODEL, MODEL:VARIANT, FILE.ts or FILE.ts:VARIANT`,
        );
      }
      const { model } = await this.find(id);
      out.push({
        model,
        variants: variant === undefined ? Object.keys(model.variants) : [resolveVariant(model, variant)],
      });
    }
    return out;
  }

  /**
   * Where a trace written to `traceFile` records that its model comes from: the shipped
   * catalogue by name, or the model file relative to the trace file's directory.
   */
  sourceFor(model: AnyModel, traceFile: string): TraceSource | undefined {
    const entry = this.origins.get(model);
    if (entry === undefined) return undefined;
    if (entry.shipped) return { catalogue: SHIPPED_CATALOGUE_NAME };
    const rel = relative(dirname(resolve(this.cwd, traceFile)), entry.file);
    return { file: rel.split(sep).join('/') };
  }

  /**
   * The model a trace was recorded against: the file its `source` names (relative to the
   * trace file), else the model of that name.
   */
  async forTrace(
    trace: { model: string; source?: TraceSource | undefined },
    traceFile: string,
  ): Promise<AnyModel> {
    const source = trace.source;
    if (source !== undefined && 'file' in source) {
      const file = resolve(dirname(resolve(this.cwd, traceFile)), source.file);
      const entries = await this.loadAll([file]).catch((err: unknown) => {
        if (err instanceof InputError && err.code === 'io') return undefined;
        throw err;
      });
      if (entries === undefined) {
        const named = await this.find(trace.model).catch(() => undefined);
        if (named !== undefined) return named.model;
        throw new InputError(
          'io',
          `${traceFile}: its model file ${source.file} (relative to the trace) does not exist, and no model '${trace.model}' is in the config or the shipped catalogue; move the trace back beside its model, or list the model file in foliocheck.config`,
        );
      }
      const found = entries.find((e) => e.model.id === trace.model);
      if (found === undefined)
        throw new InputError(
          'trace_model_mismatch',
          `${traceFile}: ${source.file} has no model '${trace.model}' (it has ${entries.map((e) => e.model.id).join(', ')})`,
        );
      return found.model;
    }
    return (await this.find(trace.model)).model;
  }
}

/** A synchronous lookup over a fixed list of models (tests, scenario runs after loading). */
export function finderOf(models: readonly AnyModel[]): (id: string) => AnyModel {
  return (id) => {
    const model = models.find((m) => m.id === id);
    if (model === undefined)
      throw new InputError(
        'unknown_model',
        `unknown model '${id}' (${nearHint(
          id,
          models.map((m) => m.id),
        )}); see 'foliocheck list'`,
      );
    return model;
  };
}
