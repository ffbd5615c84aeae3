/**
 * Gate for tests that need a real Docker Engine: they run when one answers, skip with a loud
 * notice when none does, and fail instead of skipping when SHIVA_REQUIRE_DOCKER=1 (CI sets it).
 */
import { execFileSync } from 'node:child_process';
import { describe, it } from 'vitest';

export const TINY_IMAGE = 'shiva/tiny:latest';
/** SHIVA_TEST_NOTEBOOK_IMAGE tests a notebook image built under another tag (a branch's, say). */
export const NOTEBOOK_IMAGE = process.env.SHIVA_TEST_NOTEBOOK_IMAGE || 'shiva/notebook:latest';

let answer: string | null | undefined;

/** Why Docker cannot be used here, or null when it can. */
export function dockerUnavailableReason(images: string[] = [TINY_IMAGE]): string | null {
  if (answer === undefined) {
    try {
      execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe', timeout: 10_000 });
      answer = null;
    } catch (err) {
      answer = `no Docker Engine answers (${(err as Error).message.split('\n')[0]})`;
    }
  }
  if (answer) return answer;
  for (const image of images) {
    try {
      execFileSync('docker', ['image', 'inspect', image], { stdio: 'pipe', timeout: 10_000 });
    } catch {
      return `the image ${image} is missing: run scripts/build-images.sh`;
    }
  }
  return null;
}

/**
 * `describe` for suites that need Docker and the given images, and whatever else `needs` says
 * is missing (a null answer: nothing is).
 */
export function describeDocker(title: string, images: string[], body: () => void, needs: () => string | null = () => null): void {
  const reason = dockerUnavailableReason(images) ?? needs();
  if (reason && process.env.SHIVA_REQUIRE_DOCKER === '1') {
    describe(title, () => {
      it('has the Docker Engine and images it needs', () => {
        throw new Error(`SHIVA_REQUIRE_DOCKER=1 but ${reason}`);
      });
    });
    return;
  }
  if (reason) {
    console.warn(`\n!!! SKIPPING "${title}": ${reason}. Set SHIVA_REQUIRE_DOCKER=1 to make this a failure.\n`);
  }
  describe.skipIf(reason !== null)(title, body);
}
