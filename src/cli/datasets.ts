/** `shiva datasets`: the shared datasets your sandboxes get, and where they appear inside. */
import type { Command } from 'commander';
import type { Dataset } from '../contract/api.js';
import { HubClient, loadCredentials } from './client.js';
import { alignColumns, printJson } from './output.js';

/** The table's lines: a header, then one dataset a line; the host folder only when the hub gave it (admins). */
export function datasetLines(datasets: readonly Dataset[]): string[] {
  const withHost = datasets.some((d) => d.hostPath !== undefined);
  const header = ['NAME', 'PATH', 'MODE', ...(withHost ? ['HOST FOLDER'] : []), 'DESCRIPTION'];
  const rows = datasets.map((d) => [d.name, d.containerPath, d.readOnly ? 'read-only' : 'read-write', ...(withHost ? [d.hostPath ?? '-'] : []), d.description]);
  return alignColumns([header, ...rows]);
}

export function registerDatasets(program: Command): void {
  program
    .command('datasets')
    .description('list the shared datasets mounted into your sandboxes, and where')
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (opts: { url?: string; json?: boolean }) => {
      const hub = new HubClient(await loadCredentials(opts));
      const datasets = await hub.request<Dataset[]>('GET', '/api/datasets');
      if (opts.json) return printJson(datasets);
      if (datasets.length === 0) return void process.stdout.write('No shared datasets are mounted into your sandboxes.\n');
      for (const line of datasetLines(datasets)) process.stdout.write(`${line}\n`);
    });
}
