/** `shiva usage`: sandbox-, CPU-, GPU- and memory-hours per user (and per day) from the terminal, or the CSV. */
import type { Command } from 'commander';
import type { UsageFigures, UsageReport } from '../contract/api.js';
import { HubClient, loadCredentials } from './client.js';
import { printJson, printTable } from './output.js';

interface UsageOptions {
  from?: string;
  to?: string;
  user?: string;
  days?: boolean;
  csv?: boolean;
  json?: boolean;
  url?: string;
}

const hours = (value: number): string => value.toFixed(1);
const figures = (f: UsageFigures): string[] => [String(f.sandboxes), hours(f.sandboxHours), hours(f.cpuHours), hours(f.gpuHours), hours(f.memoryGiBHours)];
const FIGURE_HEADERS = ['SANDBOXES', 'SANDBOX-H', 'CPU-H', 'GPU-H', 'MEM-GiB-H'];

export function registerUsage(program: Command): void {
  program
    .command('usage')
    .description("sandbox-, CPU-, GPU- and memory-hours per user over UTC days (everyone's for admins, your own for others)")
    .option('--from <day>', 'first day, YYYY-MM-DD (default: 29 days before --to)')
    .option('--to <day>', 'last day, included (default: today, UTC)')
    .option('--user <name>', 'only this user')
    .option('--days', 'one row per user and day instead of per user')
    .option('--csv', 'print the CSV the dashboard downloads (one row per user and day)')
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (opts: UsageOptions) => {
      const hub = new HubClient(await loadCredentials(opts));
      const query = new URLSearchParams({
        ...(opts.from !== undefined ? { from: opts.from } : {}),
        ...(opts.to !== undefined ? { to: opts.to } : {}),
        ...(opts.user !== undefined ? { user: opts.user } : {}),
      });
      if (opts.csv) {
        query.set('format', 'csv');
        return void process.stdout.write(await hub.text(`/api/usage?${query}`));
      }
      const report = await hub.request<UsageReport>('GET', `/api/usage${query.size ? `?${query}` : ''}`);
      if (opts.json) return printJson(report);
      process.stdout.write(`Usage from ${report.from} to ${report.to} (UTC days, hours given to sandboxes)\n`);
      if (report.users.length === 0) return void process.stdout.write('No sandbox ran in this range.\n');
      if (opts.days) {
        printTable(['DAY', 'USER', ...FIGURE_HEADERS], report.days.map((d) => [d.day, d.user, ...figures(d)]));
      } else {
        printTable(['USER', ...FIGURE_HEADERS], [...report.users.map((u) => [u.user, ...figures(u)]), ['TOTAL', ...figures(report.total)]]);
      }
    });
}
