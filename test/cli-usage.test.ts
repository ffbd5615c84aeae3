/** `shiva usage` against a hub with a fake runtime: per-user totals, per-day rows, the CSV, and a refused range. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { startTestHub, type TestHub } from './support/hub.js';

const run = promisify(execFile);
const main = path.resolve(import.meta.dirname, '../src/main.ts');
const GiB = 1024 ** 3;

describe('shiva usage', () => {
  let t: TestHub;
  let runtime: FakeRuntime;
  let home: string;

  const shiva = async (args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', main, ...args], {
        env: { ...process.env, SHIVA_URL: t.url, SHIVA_CREDENTIALS: path.join(home, 'credentials.json'), SHIVA_TOKEN: t.adminToken },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  beforeAll(async () => {
    runtime = new FakeRuntime();
    t = await startTestHub({ makeRuntime: () => runtime });
    home = mkdtempSync(path.join(os.tmpdir(), 'shiva-cli-usage-'));
    await t.user('kim');
    const kim = (await t.hub.users.byName('kim'))!;
    const result = await t.hub.sandboxesRepo.insertLaunch(
      {
        id: 'sbx_cli_usage',
        user_id: kim.id,
        username: 'kim',
        name: 'train',
        image: 'tiny',
        image_ref: 'shiva-test/tiny',
        machine: 'local',
        cpus: 4,
        memory_bytes: 16 * GiB,
        gpus: '["0"]',
        state: 'stopped',
        token: 'unused',
        created_at: '2025-06-10T21:59:00.000Z',
        // 3 hours over midnight: 2 on 10 June, 1 on 11 June.
        started_at: '2025-06-10T22:00:00.000Z',
        stopped_at: '2025-06-11T01:00:00.000Z',
      },
      10,
    );
    expect(result).toBe('ok');
  });
  afterAll(async () => {
    await t.close();
    await runtime.closeAll();
    rmSync(home, { recursive: true, force: true });
  });

  it('prints each user and the total, or each day, and the same CSV as the dashboard', async () => {
    const totals = await shiva(['usage', '--from', '2025-06-01', '--to', '2025-06-30']);
    expect(totals.stdout).toBe(
      'Usage from 2025-06-01 to 2025-06-30 (UTC days, hours given to sandboxes)\n' +
        'USER   SANDBOXES  SANDBOX-H  CPU-H  GPU-H  MEM-GiB-H\n' +
        'kim    1          3.0        12.0   3.0    48.0\n' +
        'TOTAL  1          3.0        12.0   3.0    48.0\n',
    );
    const days = await shiva(['usage', '--from', '2025-06-01', '--to', '2025-06-30', '--user', 'kim', '--days']);
    expect(days.stdout.split('\n').slice(1, 4)).toEqual([
      'DAY         USER  SANDBOXES  SANDBOX-H  CPU-H  GPU-H  MEM-GiB-H',
      '2025-06-10  kim   1          2.0        8.0    2.0    32.0',
      '2025-06-11  kim   1          1.0        4.0    1.0    16.0',
    ]);
    const csv = await shiva(['usage', '--from', '2025-06-10', '--to', '2025-06-10', '--csv']);
    expect(csv.stdout).toBe('day,user,sandboxes,sandbox_hours,cpu_hours,gpu_hours,memory_gib_hours\r\n2025-06-10,kim,1,2.0000,8.0000,2.0000,32.0000\r\n');
  });

  it('says why a range is refused and exits 1', async () => {
    const refused = await shiva(['usage', '--from', '2025-06-30', '--to', '2025-06-01', '--csv']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('shiva: from (2025-06-30) is after to (2025-06-01). (INVALID_RANGE)\n');
  });
});
