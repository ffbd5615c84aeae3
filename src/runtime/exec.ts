/**
 * A process run inside a sandbox's container (Docker's exec, Kubernetes' exec): the SSH gateway's
 * shells, commands, SFTP servers and port-forwarding relays. Part of the Runtime contract.
 */
import type { Readable, Writable } from 'node:stream';

export interface ExecSpec {
  /** argv of the process; the first is looked up on the container's PATH. */
  command: string[];
  /**
   * Give the process a terminal. Its output then comes as one stream (`stdout`; `stderr` stays
   * empty, as on a real terminal) and `resize` changes the terminal's size.
   */
  tty: boolean;
  /** The terminal's size at start, in character cells; only with `tty`. */
  size?: { cols: number; rows: number };
  /** Variables added to the container's environment for this process. */
  env?: Record<string, string>;
  /** Where it starts; default the container's working directory. */
  workingDir?: string;
}

export interface ExecExit {
  /** The process's exit status, or null when the engine could not say (the connection broke). */
  code: number | null;
}

export interface ExecProcess {
  /**
   * The process's input. Writes respect backpressure; `end()` closes the process's input (it
   * reads end of file) while its output keeps coming.
   */
  readonly stdin: Writable;
  /** Its standard output (with `tty`, everything the terminal shows). Reading paces the process. */
  readonly stdout: Readable;
  /** Its standard error, kept apart from stdout; ends at once with `tty`. */
  readonly stderr: Readable;
  /** Changes the terminal's size (`tty` only; otherwise nothing). */
  resize(cols: number, rows: number): Promise<void>;
  /** Settles once the process has ended and its output has been read to the end; never rejects. */
  readonly exit: Promise<ExecExit>;
  /**
   * Hangs the process up, as a closing terminal does: SIGHUP to it (and its process group), and
   * the connection to it dropped, so its input reads end of file and its output goes nowhere.
   * A process that ignores SIGHUP (nohup) keeps running, as it would after an OpenSSH session.
   * Nothing happens to a process that has ended.
   */
  close(): void;
}
