/**
 * The budget of the dashboard's first page: at most 350 KB of gzipped JavaScript loaded by
 * index.html (its entry and the modules it preloads). Size, unlike time, is the same every run.
 */
import path from 'node:path';
import { expect, it } from 'vitest';
import { ensureWebBuild, firstPageScripts, REPO_ROOT } from '../web/tools/build.js';

const BUDGET_BYTES = 350 * 1000;

it('loads at most 350 KB of gzipped JavaScript on the first page', () => {
  // The same build as the browser test's (see test/dashboard.test.ts for why not dist/web).
  const outDir = ensureWebBuild(path.join(REPO_ROOT, '.shiva-test', 'web'));
  const scripts = firstPageScripts(outDir);
  const total = scripts.reduce((sum, s) => sum + s.gzipBytes, 0);
  const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
  console.log(
    [
      'first page JavaScript (gzipped):',
      ...scripts.map((s) => `  ${s.file.padEnd(42)} ${kb(s.gzipBytes).padStart(9)}  (${kb(s.bytes)} raw)`),
      `  ${'total'.padEnd(42)} ${kb(total).padStart(9)}  of a ${kb(BUDGET_BYTES)} budget`,
    ].join('\n'),
  );
  expect(scripts.length).toBeGreaterThan(0);
  expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
});
