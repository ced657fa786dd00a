// The headless Chromium the browser test and the screenshot script drive, through
// playwright-core: a system Chromium when one is installed (FOLIOCHECK_CHROMIUM, or
// /usr/bin/chromium), otherwise the build shipped inside the npm package
// @sparticuz/chromium (a devDependency: `npm ci` brings it; it unpacks itself to the
// temporary directory on first use), so `npm test` needs no system browser.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sparticuz from '@sparticuz/chromium';
import { chromium, type BrowserContext } from 'playwright-core';

const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Flags for a sandboxless headless run that reaches no network on its own. */
const QUIET = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  readonly context: BrowserContext;
  /** Which Chromium runs: its path. */
  readonly executable: string;
  close(): Promise<void>;
}

/** The executable to launch and its extra flags. */
async function executable(): Promise<{ path: string; args: readonly string[] }> {
  const chosen = process.env['FOLIOCHECK_CHROMIUM'];
  if (chosen !== undefined && chosen !== '') return { path: chosen, args: [] };
  const system = SYSTEM_CHROMIUM.find((p) => existsSync(p));
  if (system !== undefined) return { path: system, args: [] };
  // The packaged build runs single-process with SwiftShader; its own flags say so.
  const args = sparticuz.args.filter((a) => !a.startsWith('--headless'));
  return { path: await sparticuz.executablePath(), args };
}

/** Launches Chromium with a fresh profile; every request off the local file system is refused. */
export async function launchBrowser(viewport = { width: 1200, height: 900 }): Promise<Browser> {
  const { path, args } = await executable();
  const context = await chromium.launchPersistentContext(
    mkdtempSync(join(tmpdir(), 'foliocheck-chromium-')),
    {
      executablePath: path,
      headless: true,
      args: [...new Set([...args, ...QUIET])],
      viewport,
    },
  );
  await context.route(/^(?!file:|data:|about:)/, (route) => route.abort());
  return { context, executable: path, close: () => context.close() };
}
