import { defineConfig } from 'vitest/config';

/**
 * Test files that use the real Docker Engine (or start a hub that does): everything under test/,
 * and the runtime's and homes' tests against the engine, named *.docker.test.ts or below. And the
 * churn and races on the fake runtime, whose launches must come up within their timeouts while
 * hundreds of operations interleave: beside two other files on two cores they can starve.
 */
const ENGINE_TESTS = [
  'test/**/*.test.ts',
  'src/**/*.docker.test.ts',
  'src/runtime/docker/docker-runtime.test.ts',
  'src/sandboxes/concurrency.test.ts',
  'src/sandboxes/lifecycle.fake.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          // Logic, the fake runtime, the dashboard's components: independent files, run two at a time.
          name: 'unit',
          include: ['src/**/*.test.ts', 'web/src/**/*.test.{ts,tsx}'],
          exclude: ENGINE_TESTS,
          // Many wait on timers and sockets more than they compute: more workers than the 2 cores.
          maxWorkers: 3,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          // Files on the real engine share it and a 2-core machine (and the fake churn needs the
          // cores): one at a time, after the unit files, so launches do not starve each other and
          // readiness timeouts stay meaningful.
          name: 'engine',
          include: ENGINE_TESTS,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
