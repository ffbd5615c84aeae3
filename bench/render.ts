/**
 * How long the machines page takes to render a large fleet, in Debian's Chromium, from a
 * production build of the dashboard:
 *  1. first render of 100 machines × 8 GPUs with 500 sandboxes (render, commit and layout);
 *  2. a poll in which every machine's figures changed (what a 5 s refresh usually brings);
 *  3. a poll in which nothing changed (the query cache keeps the same objects, cards skip).
 * Medians over the runs are printed, with the ratio of a first render to a poll.
 *
 *   npm run bench:render [-- --runs 15] [--machines 100] [--gpus 8] [--sandboxes 500]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import { launchBrowser } from '../test/support/browser.js';
import { WEB_DIR } from '../web/tools/build.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    machines: { type: 'string', default: '100' },
    gpus: { type: 'string', default: '8' },
    sandboxes: { type: 'string', default: '500' },
  },
});
const options = {
  runs: Number(values.runs),
  machines: Number(values.machines),
  gpusPerMachine: Number(values.gpus),
  sandboxes: Number(values.sandboxes),
};

interface RenderBenchResult {
  firstMs: number[];
  pollChangedMs: number[];
  pollSameMs: number[];
  domNodes: number;
}

function isResult(value: unknown): value is RenderBenchResult {
  return typeof value === 'object' && value !== null && 'firstMs' in value && 'pollChangedMs' in value && 'pollSameMs' in value;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const ms = (value: number) => `${value.toFixed(1)} ms`.padStart(10);

const ORIGIN = 'http://bench.shiva.invalid';
const outDir = mkdtempSync(path.join(os.tmpdir(), 'shiva-render-bench-'));
try {
  // The app's own build config, with the benchmark page as the entry.
  process.env.NODE_ENV = 'production';
  await build({
    configFile: path.join(WEB_DIR, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, rolldownOptions: { input: path.join(WEB_DIR, 'bench', 'render.html') } },
  });

  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.route(`${ORIGIN}/**`, (route) => route.fulfill({ path: path.join(outDir, new URL(route.request().url()).pathname) }));
    await page.goto(`${ORIGIN}/bench/render.html`);
    await page.waitForFunction('typeof window.runRenderBench === "function"');
    const result: unknown = await page.evaluate(`window.runRenderBench(${JSON.stringify(options)})`);
    if (!isResult(result)) throw new Error(`unexpected result from the page: ${JSON.stringify(result)}`);

    const first = median(result.firstMs);
    const changed = median(result.pollChangedMs);
    const same = median(result.pollSameMs);
    console.log(
      [
        `machines page render: ${options.machines} machines × ${options.gpusPerMachine} GPUs, ${options.sandboxes} sandboxes, ` +
          `${result.domNodes} DOM elements; Chromium ${browser.version()}, production build, ${options.runs} runs (medians)`,
        `  first render (render, commit, layout)       ${ms(first)}`,
        `  poll, new figures on every machine          ${ms(changed)}`,
        `  poll, nothing changed                       ${ms(same)}`,
        `ratio first render / poll with new figures: ${(first / changed).toFixed(2)}x`,
      ].join('\n'),
    );
  } finally {
    await browser.close();
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
