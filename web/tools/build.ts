/**
 * The dashboard's build as tests and benchmarks need it: built once, and again only when a
 * source is newer than the build, and the size of the JavaScript its first page loads.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export const WEB_DIR = path.resolve(import.meta.dirname, '..');
export const REPO_ROOT = path.resolve(WEB_DIR, '..');
export const DIST_WEB = path.join(REPO_ROOT, 'dist', 'web');

/** Whatever changes the build: web sources (not their tests), the build config, the locked dependencies. */
function newestInput(): number {
  let newest = statSync(path.join(REPO_ROOT, 'package-lock.json')).mtimeMs;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'testing' && entry.name !== 'tools') walk(full);
      } else if (!/\.test\.tsx?$/.test(entry.name)) {
        newest = Math.max(newest, statSync(full).mtimeMs);
      }
    }
  };
  walk(WEB_DIR);
  for (const contract of readdirSync(path.join(REPO_ROOT, 'src', 'contract'))) {
    newest = Math.max(newest, statSync(path.join(REPO_ROOT, 'src', 'contract', contract)).mtimeMs);
  }
  return newest;
}

export function webBuildIsFresh(outDir = DIST_WEB): boolean {
  const index = path.join(outDir, 'index.html');
  return existsSync(index) && statSync(index).mtimeMs >= newestInput();
}

/** Builds the dashboard into outDir unless a build there is newer than every source; returns outDir. */
export function ensureWebBuild(outDir = DIST_WEB): string {
  if (webBuildIsFresh(outDir)) return outDir;
  const vite = path.join(path.dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  execFileSync(process.execPath, [vite, 'build', '--config', path.join(WEB_DIR, 'vite.config.ts'), '--outDir', outDir, '--logLevel', 'warn'], {
    cwd: REPO_ROOT,
    // A test runner sets NODE_ENV=test, which would make this a development build of React.
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 180_000,
  });
  return outDir;
}

export interface FirstPageScript {
  file: string;
  bytes: number;
  gzipBytes: number;
}

/** The scripts index.html loads before the first page shows: its module entry and the modules it preloads. */
export function firstPageScripts(outDir = DIST_WEB): FirstPageScript[] {
  const html = readFileSync(path.join(outDir, 'index.html'), 'utf8');
  const sources = [
    ...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g),
    ...html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"/g),
  ].map((m) => m[1]!);
  return [...new Set(sources)].map((src) => {
    const content = readFileSync(path.join(outDir, src.replace(/^\//, '')));
    return { file: src, bytes: content.length, gzipBytes: gzipSync(content, { level: 9 }).length };
  });
}
