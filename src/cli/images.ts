/**
 * `shiva images ls`: the catalogue, with how many machines hold each image; `shiva images pull`:
 * an admin pulls one to every machine (or one) and watches each machine's progress until done.
 */
import type { Command } from 'commander';
import type { Image, ImagePull, ImagePullsQueued, Machine } from '../contract/api.js';
import { pullEnded } from '../contract/image-pull-states.js';
import { formatBytes } from './bytes.js';
import { HubClient, loadCredentials } from './client.js';
import { alignColumns, printJson } from './output.js';

/** The table's lines: each image with where it comes from, its size, and on how many of the machines that listed their images it is. */
export function imageLines(images: readonly Image[], machines: readonly Machine[]): string[] {
  const listed = machines.filter((m) => m.images !== null);
  const header = ['NAME', 'SOURCE', 'SIZE', 'MACHINES', 'DESCRIPTION'];
  const rows = images.map((i) => [
    `${i.name}${i.default ? ' (default)' : ''}`,
    i.source,
    i.sizeBytes === null ? '-' : formatBytes(i.sizeBytes),
    // Machines list only catalogue images: a saved environment's count would always read 0.
    listed.length === 0 || i.source === 'environment' ? '-' : `${listed.filter((m) => m.images!.images.some((held) => held.name === i.name)).length}/${listed.length}`,
    i.description.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' '),
  ]);
  return alignColumns([header, ...rows]);
}

/** One line of a pull as it stands: the machine, the state, how much of how much, or why it failed. */
export function pullLine(pull: ImagePull, machineWidth = 0): string {
  const machine = pull.machine.padEnd(machineWidth);
  switch (pull.state) {
    case 'pulling': {
      const bytes = pull.bytesDone === null ? '' : ` ${formatBytes(pull.bytesDone)}${pull.bytesTotal === null ? '' : ` of ${formatBytes(pull.bytesTotal)}`}`;
      return `  ${machine}  pulling${bytes}${pull.percent === null ? '' : ` (${pull.percent}%)`}`;
    }
    case 'failed':
      return `  ${machine}  failed: ${pull.reason ?? 'no reason given'}`;
    default:
      return `  ${machine}  ${pull.state}`;
  }
}

/**
 * What to print of each change of the pulls followed: a line when a pull's state changes, and
 * while it pulls at most one per tenth of the way, so a long pull does not flood the terminal.
 */
export class PullPrinter {
  private readonly last = new Map<string, { state: string; tenth: number }>();
  private readonly width: number;

  constructor(private readonly ids: ReadonlySet<string>, machines: readonly string[]) {
    this.width = Math.max(0, ...machines.map((m) => m.length));
  }

  /** The line to print for this change, or null. */
  line(pull: ImagePull): string | null {
    if (!this.ids.has(pull.id)) return null;
    const before = this.last.get(pull.id);
    const tenth = Math.floor((pull.percent ?? 0) / 10);
    if (before && before.state === pull.state && (pull.state !== 'pulling' || tenth <= before.tenth)) return null;
    this.last.set(pull.id, { state: pull.state, tenth });
    return pullLine(pull, this.width);
  }
}


export function registerImages(program: Command): void {
  const images = program.command('images').description('the image catalogue, and pulling its images to the machines (admins)');
  images
    .command('ls')
    .description('list the images you may launch, their size, and how many machines have each')
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (opts: { url?: string; json?: boolean }) => {
      const hub = new HubClient(await loadCredentials(opts));
      const [catalogue, machines] = await Promise.all([hub.request<Image[]>('GET', '/api/images'), hub.request<Machine[]>('GET', '/api/machines')]);
      if (opts.json) return printJson(catalogue);
      for (const line of imageLines(catalogue, machines)) process.stdout.write(`${line}\n`);
    });
  images
    .command('pull <name>')
    .description("pull an image of the catalogue to every machine, or one, and print each machine's progress until all are done; fails if any pull failed (admins)")
    .option('--machine <name>', 'only this machine')
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print the pulls as JSON when they have ended')
    .action(async (name: string, opts: { machine?: string; url?: string; json?: boolean }) => {
      const hub = new HubClient(await loadCredentials(opts));
      const queued = await hub.request<ImagePullsQueued>('POST', `/api/images/${encodeURIComponent(name)}/pull`, opts.machine ? { machine: opts.machine } : undefined);
      const say = (line: string) => (opts.json ? process.stderr : process.stdout).write(`${line}\n`);
      say(`Pulling ${name} to ${queued.pulls.map((p) => p.machine).join(', ')}`);
      const latest = new Map(queued.pulls.map((p) => [p.id, p]));
      const printer = new PullPrinter(new Set(latest.keys()), queued.pulls.map((p) => p.machine));
      // The stream gives every pull as it stands first, so one that ended before it opened is there too.
      for await (const pull of hub.events<ImagePull>('/api/images/pulls/events')) {
        if (!latest.has(pull.id)) continue;
        latest.set(pull.id, pull);
        const line = printer.line(pull);
        if (line) say(line);
        if ([...latest.values()].every((p) => pullEnded(p.state))) break;
      }
      const results = [...latest.values()];
      if (opts.json) printJson(results);
      const failed = results.filter((p) => p.state !== 'done');
      if (failed.length > 0) {
        process.stderr.write(`shiva: ${failed.length} of ${results.length} pulls failed: ${failed.map((p) => p.machine).join(', ')}\n`);
        process.exitCode = 1;
      } else if (!opts.json) {
        process.stdout.write(`Pulled ${name} to ${results.length === 1 ? '1 machine' : `${results.length} machines`}.\n`);
      }
    });
}
