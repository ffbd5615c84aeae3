/**
 * The `measure` backend: the homes' allocated bytes from `du` in a job on a machine that mounts
 * homes.root (read-only), so the walk never runs in the hub's process and works where the hub
 * cannot see the homes. The walk is bounded: one job for all homes at a time, a time limit per
 * home (so one home of millions of files cannot keep everyone else unmeasured), the job's memory
 * and pids limits, `--one-file-system` (a mount inside a home is not followed) and a
 * lowered CPU priority. There is no hard limit; the hub warns and refuses launches (home-quotas.ts).
 */
import type { JobRunner } from '../machines/jobs.js';
import type { HomeOwner, QuotaEnforcer } from './types.js';

/** Where homes.root appears inside the job. */
const HOMES_INSIDE = '/homes';

/**
 * One line per home: `<bytes>\t<name>`. `du -B1` counts allocated blocks in bytes (what fills a
 * disk); a missing home is 0. The names come as arguments, never inside the script. Each walk
 * is cut off after SHIVA_HOME_SECONDS (coreutils `timeout`, where the image has it): a home cut
 * off prints `unmeasured\t<name>`, which is no figure, so it keeps its last one.
 */
const SCRIPT = `cd ${HOMES_INSIDE} || exit 2
limit=""
command -v timeout >/dev/null 2>&1 && limit="timeout -k 5 $SHIVA_HOME_SECONDS"
for u do
  if [ -d "$u" ]; then $limit nice -n 10 du -s -B1 --one-file-system -- "$u" || printf 'unmeasured\\t%s\\n' "$u"; else printf '0\\t%s\\n' "$u"; fi
done`;

/** What the job may take beyond its homes' limits: starting and removing its container. */
const JOB_OVERHEAD_MS = 60_000;

export interface MeasureOptions {
  /** homes.root: the same path on the hub and every machine. */
  homesRoot: string;
  /** How long the walk of one home may take (storage.quota.measureTimeoutSeconds), in milliseconds. */
  timeoutMs: number;
  /** The jobs of a machine that mounts homes.root, chosen at each measurement (it may change); their image has a POSIX shell and GNU du. */
  jobs: () => JobRunner;
}

/** The lines of `du -s -B1` for the asked names; anything else in the output (errors) is ignored. */
export function parseDuLines(output: string, names: ReadonlySet<string>): Map<string, number> {
  const figures = new Map<string, number>();
  for (const line of output.split('\n')) {
    const m = /^(\d+)\t(.+)$/.exec(line.trim());
    if (m && names.has(m[2]!)) figures.set(m[2]!, Number(m[1]));
  }
  return figures;
}

export class MeasureEnforcer implements QuotaEnforcer {
  readonly backend = 'measure';

  constructor(private readonly options: MeasureOptions) {}

  async measure(owners: readonly HomeOwner[]): Promise<Map<string, number>> {
    if (owners.length === 0) return new Map();
    const names = owners.map((o) => o.username);
    const result = await this.options.jobs().run({
      name: 'home-usage',
      command: ['sh', '-c', SCRIPT, 'sh', ...names],
      env: { SHIVA_HOME_SECONDS: String(Math.max(1, Math.ceil(this.options.timeoutMs / 1000))) },
      mounts: [{ hostPath: this.options.homesRoot, containerPath: HOMES_INSIDE, readOnly: true }],
      // root that may read every folder (homes belong to their users' uids) and change nothing.
      user: '0:0',
      capabilities: ['DAC_READ_SEARCH'],
      timeoutMs: this.options.timeoutMs * names.length + JOB_OVERHEAD_MS,
    });
    const figures = parseDuLines(result.output, new Set(names));
    if (figures.size === 0) {
      throw new Error(`the home-usage job measured no home (exit ${result.exitCode}): ${result.output.trim().slice(0, 300)}`);
    }
    return figures;
  }

  async apply(): Promise<void> {
    // No hard limit on a filesystem without quotas: the hub's launch check is the limit.
  }
}
