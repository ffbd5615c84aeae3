/** The one explanation of a container's end that the exit watcher and the reconciler share. */
import { describe, expect, it } from 'vitest';
import { explainExit, signalName } from './exit-reason.js';

const GiB = 1024 ** 3;
const exited = (exitCode: number | null, oomKilled = false) => ({ state: 'exited' as const, exitCode, oomKilled });

describe('why a sandbox ended', () => {
  it('says out of memory at the sandbox limit when the kernel killed it for memory, whatever the signal', () => {
    expect(explainExit({ container: exited(137, true), signal: null, memoryBytes: 4 * GiB })).toBe('out of memory: the sandbox used its 4 GiB limit');
    expect(explainExit({ container: exited(137, true), signal: '9', memoryBytes: 0.25 * GiB })).toBe('out of memory: the sandbox used its 0.25 GiB limit');
  });

  it('says stopped outside Shiva with the signal and code after a kill or stop from outside', () => {
    expect(explainExit({ container: exited(137), signal: '9', memoryBytes: GiB })).toBe('it was stopped outside Shiva (SIGKILL, exit code 137)');
    expect(explainExit({ container: exited(143), signal: 'SIGTERM', memoryBytes: GiB })).toBe('it was stopped outside Shiva (SIGTERM, exit code 143)');
  });

  it("says its server's exit code when it ended on its own", () => {
    expect(explainExit({ container: exited(3), signal: null, memoryBytes: GiB })).toBe('its server exited with code 3');
  });

  it('says removed outside Shiva when the container is gone or being removed', () => {
    expect(explainExit({ container: null, signal: '9', memoryBytes: GiB })).toBe('its container was removed outside Shiva (docker rm)');
    expect(explainExit({ container: { state: 'removing', exitCode: null }, signal: '9', memoryBytes: GiB })).toBe('its container was removed outside Shiva (docker rm)');
  });

  it('names signals by number or name', () => {
    expect(signalName('15')).toBe('SIGTERM');
    expect(signalName('KILL')).toBe('SIGKILL');
    expect(signalName('64')).toBe('signal 64');
  });
});
