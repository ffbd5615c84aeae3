/**
 * A CommandRunner that records each command and answers from a script, for the tests of the hard
 * backends on a machine whose filesystem has no XFS or CephFS quotas.
 */
import type { CommandResult, CommandRunner } from './command.js';

export interface RecordedCommand {
  file: string;
  args: string[];
}

/** Records every call; `answer` gives each one's result (exit 0 with no output by default). */
export function recordedRunner(answer: (file: string, args: readonly string[]) => CommandResult = () => ({ exitCode: 0, output: '' })): {
  run: CommandRunner;
  calls: RecordedCommand[];
} {
  const calls: RecordedCommand[] = [];
  return {
    calls,
    run: async (file, args) => {
      calls.push({ file, args: [...args] });
      return answer(file, args);
    },
  };
}
