/**
 * The files a hub run as its own process (see process.ts) starts from: a temporary data directory
 * of its own, and a shiva.yaml in it that puts the hub on a loopback port free right now.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './hub.js';

/** Where the files are, and where the hub will answer once it runs with them. */
export interface HubFiles {
  /** The data directory (SHIVA_DATA_DIR); the caller removes it. */
  dataDir: string;
  /** shiva.yaml inside dataDir (SHIVA_CONFIG). */
  config: string;
  port: number;
  /** http://127.0.0.1:port, no trailing slash. */
  url: string;
}

/**
 * Makes a data directory under the system's temporary folder, named from `prefix`, and writes
 * its shiva.yaml: `hub: {host: 127.0.0.1, port: …}` with a free port, then `lines` as given
 * (YAML, one line each).
 */
export async function writeHubFiles(prefix: string, lines: string[]): Promise<HubFiles> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const port = await freePort();
  const config = path.join(dataDir, 'shiva.yaml');
  // The SSH gateway on any free port: tests run hubs side by side, and 2222 is one port.
  writeFileSync(config, [`hub: {host: 127.0.0.1, port: ${port}}`, 'ssh: {port: 0}', ...lines].join('\n'));
  return { dataDir, config, port, url: `http://127.0.0.1:${port}` };
}
