/**
 * One owner of sandbox state (DESIGN.md): only src/sandboxes/lifecycle.ts changes a sandbox's row
 * or the proxy's routes. A new caller that writes them directly would bring back the races the
 * lifecycle's serialisation closes, so this reads the sources and names any such caller.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '..');
const WEB = path.resolve(SRC, '..', 'web', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/** Files of the hub (relative to src/) or of the dashboard (web/src/…) whose code matches `pattern`. */
function filesMatching(pattern: RegExp): string[] {
  return [...sources(SRC), ...sources(WEB)]
    .filter((file) => pattern.test(readFileSync(file, 'utf8')))
    .map((file) => path.relative(SRC, file))
    .sort();
}

describe('the one owner of sandbox state', () => {
  it('is the only code that writes a change of state, admits a launch or touches the route table', () => {
    expect(filesMatching(/\brepo\.transition\(/)).toEqual(['sandboxes/lifecycle.ts']);
    expect(filesMatching(/\.insertLaunch\(/)).toEqual(['sandboxes/lifecycle.ts']);
    expect(filesMatching(/\broutes\.(set|delete)\(/)).toEqual(['sandboxes/lifecycle.ts']);
  });

  it('leaves the SQL that updates the sandboxes table to its repository alone', () => {
    expect(filesMatching(/updateTable\(\s*['"]sandboxes['"]/)).toEqual(['store/sandboxes.ts']);
  });

  it('lists the states once, in the contract the CLI and the dashboard share', () => {
    // Three states in a row is a copy of the list (a transition's `from` names one or two).
    const listing = /'queued',\s*'pulling',\s*'creating'/;
    expect(filesMatching(listing)).toEqual(['contract/sandbox-states.ts']);
  });
});
