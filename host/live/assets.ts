/**
 * The page's static files, all served from this package (no CDN): the HTML and CSS beside this file,
 * the page's TypeScript bundled once at server start (esbuild, which ships with tsx), and uPlot's
 * prebuilt files from node_modules/uplot/dist.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packagePath } from '../package-root.ts';

export interface Asset {
  body: Buffer;
  contentType: string;
}

/** The page's sources (not compiled with the rest: esbuild bundles them for the browser). */
const PAGE_DIR = packagePath('host', 'live', 'page');

function uplotDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('uplot/package.json')), 'dist');
}

/** Bundles host/live/page/main.ts (and the message types it imports) into one IIFE script. */
async function bundlePage(): Promise<Buffer> {
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    entryPoints: [join(PAGE_DIR, 'main.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2020',
    platform: 'browser',
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  const file = out.outputFiles[0];
  if (!file) throw new Error('live page bundle produced no output (host/live/page/main.ts)');
  return Buffer.from(file.contents);
}

/** Loads every asset once; the server then serves them from memory. */
export async function loadAssets(): Promise<Map<string, Asset>> {
  const dist = uplotDir();
  const [html, css, js, uplotJs, uplotCss] = await Promise.all([
    readFile(join(PAGE_DIR, 'index.html')),
    readFile(join(PAGE_DIR, 'style.css')),
    bundlePage(),
    readFile(join(dist, 'uPlot.iife.min.js')),
    readFile(join(dist, 'uPlot.min.css')),
  ]);
  return new Map<string, Asset>([
    ['/', { body: html, contentType: 'text/html; charset=utf-8' }],
    ['/style.css', { body: css, contentType: 'text/css; charset=utf-8' }],
    ['/app.js', { body: js, contentType: 'text/javascript; charset=utf-8' }],
    ['/vendor/uPlot.iife.min.js', { body: uplotJs, contentType: 'text/javascript; charset=utf-8' }],
    ['/vendor/uPlot.min.css', { body: uplotCss, contentType: 'text/css; charset=utf-8' }],
  ]);
}
