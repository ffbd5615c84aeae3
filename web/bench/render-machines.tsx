/**
 * The page bench/render.ts drives in Chromium: renders the machines view with a generated fleet,
 * then two polls' worth of updates, timing each from render to laid-out page.
 */
import { replaceEqualDeep } from '@tanstack/react-query';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import type { Machine, MachineSample } from '../src/api/types';
import { NowProvider } from '../src/components/now';
import { MachinesPageView } from '../src/pages/Machines/MachinesPageView';
import { makeQueryClient, Providers } from '../src/Providers';
import { generateHistories, generateMachines, type FleetSize } from '../src/testing/generate';
import { MOCK_NOW } from '../src/testing/mocks';

export interface RenderBenchOptions extends FleetSize {
  runs: number;
}

export interface RenderBenchResult {
  /** Mounting the page with the whole fleet. */
  firstMs: number[];
  /** A poll in which every machine's figures changed. */
  pollChangedMs: number[];
  /** A poll in which nothing changed (the query cache keeps the same objects). */
  pollSameMs: number[];
  domNodes: number;
}

declare global {
  interface Window {
    runRenderBench(options: RenderBenchOptions): Promise<RenderBenchResult>;
  }
}

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

window.runRenderBench = async ({ runs, ...size }) => {
  const container = document.getElementById('root')!;
  const queryClient = makeQueryClient();
  const result: RenderBenchResult = { firstMs: [], pollChangedMs: [], pollSameMs: [], domNodes: 0 };
  /** Render and commit, then force style and layout: what it takes until the page can be painted. */
  const timed = (render: () => void): number => {
    const started = performance.now();
    flushSync(render);
    void container.getBoundingClientRect().height;
    void document.body.offsetHeight;
    return performance.now() - started;
  };

  for (let run = 0; run < runs; run++) {
    const root = createRoot(container);
    // Ticks 0 and 1 are one sample period: the polls below bring no new sample, as two in three do.
    const history: ReadonlyMap<string, readonly MachineSample[]> = generateHistories(size, 0);
    const page = (machines: Machine[]) => (
      <Providers queryClient={queryClient} language="en" mode="light">
        <NowProvider now={MOCK_NOW}>
          <MachinesPageView machines={machines} history={history} error={null} onRetry={() => undefined} />
        </NowProvider>
      </Providers>
    );
    const first = generateMachines(size, 0);
    result.firstMs.push(timed(() => root.render(page(first))));
    result.domNodes = container.querySelectorAll('*').length;
    await nextFrame();
    // As the query cache does with each answer: unchanged parts keep their identity.
    const changed = replaceEqualDeep(first, generateMachines(size, 1));
    result.pollChangedMs.push(timed(() => root.render(page(changed))));
    await nextFrame();
    const same = replaceEqualDeep(changed, generateMachines(size, 1));
    result.pollSameMs.push(timed(() => root.render(page(same))));
    await nextFrame();
    root.unmount();
    await nextFrame();
  }
  return result;
};
