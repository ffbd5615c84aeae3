/**
 * Why a sandbox's container ended, in one sentence for its owner, from what the engine says of
 * it. The exit watcher (exits.ts), which hears of a death at once, and the reconciler's backstop
 * (reconcile.ts), which finds it at its next pass, both explain through here, so a sandbox gets
 * the same reason whichever noticed first.
 */
import type { ContainerInfo } from '../runtime/types.js';

/** What is known of an ended container. */
export interface ExitFacts {
  /**
   * The container as inspected (or listed) after its end; null when the engine no longer has it.
   * A container in removal (`docker rm -f` kills it first) counts as removed.
   */
  container: Pick<ContainerInfo, 'state' | 'exitCode' | 'oomKilled'> | null;
  /** The signal sent to it from outside the hub before it ended (an engine `kill` event), if heard. */
  signal: string | null;
  /** The sandbox's memory limit in bytes, which its owner chose. */
  memoryBytes: number;
}

const GiB = 1024 ** 3;

/** A memory size in GiB as a user chose it: whole numbers plain, else up to two decimals (0.25 GiB). */
export function formatGiB(bytes: number): string {
  return `${Math.round((bytes / GiB) * 100) / 100} GiB`;
}

/** The memory limit in GiB, two decimals at most, for event values. */
export const limitGiB = (bytes: number): number => Math.round((bytes / GiB) * 100) / 100;

/** Signals by number as Docker's kill events give them (signal(7), x86 and arm numbering). */
const SIGNAL_NAMES: Record<string, string> = { '1': 'SIGHUP', '2': 'SIGINT', '3': 'SIGQUIT', '9': 'SIGKILL', '15': 'SIGTERM' };

/** A signal as the engine gives it ("9", "SIGKILL", "KILL") by its usual name. */
export function signalName(signal: string): string {
  if (SIGNAL_NAMES[signal]) return SIGNAL_NAMES[signal]!;
  if (/^\d+$/.test(signal)) return `signal ${signal}`;
  return signal.toUpperCase().startsWith('SIG') ? signal.toUpperCase() : `SIG${signal.toUpperCase()}`;
}

/**
 * The reason stored on a sandbox whose container ended without the hub asking, in this order:
 * removed outside Shiva; out of memory at its limit; stopped outside Shiva (with the signal and
 * code); its server's own exit code.
 */
export function explainExit(facts: ExitFacts): string {
  const { container, signal } = facts;
  if (!container || container.state === 'removing') return 'its container was removed outside Shiva (docker rm)';
  if (container.oomKilled) return `out of memory: the sandbox used its ${formatGiB(facts.memoryBytes)} limit`;
  const code = container.exitCode;
  if (signal !== null) return `it was stopped outside Shiva (${signalName(signal)}${code !== null ? `, exit code ${code}` : ''})`;
  if (code === null) return 'its server ended';
  return `its server exited with code ${code}`;
}
