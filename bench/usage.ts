/**
 * Usage report speed: 10,000 ended sandboxes of 20 users spread over a year (runs from a minute
 * to three days), and everyone's usage for the last 30 and 365 days, answered from every sandbox
 * row (lifetimesBetween + accountUsage, as before the roll-up) and from the daily roll-up
 * (usageReport, as GET /api/usage answers now), in one run; prints the median of 15 runs each and
 * checks that both answers are equal. Twice: with every launch of any of 24 sizes (the roll-up's
 * worst case, as it keeps one row per day, user and size), and with each user launching their
 * own usual size nine times in ten.
 *
 *   npm run bench:usage
 */
import { isDeepStrictEqual } from 'node:util';
import { openDatabase } from '../src/store/database.js';
import { SandboxRepository } from '../src/store/sandboxes.js';
import { UsageDayRepository } from '../src/store/usage-days.js';
import { accountUsage } from '../src/usage/accounting.js';
import { DAY_MS, dayOf, rangeBounds, type DayRange } from '../src/usage/range.js';
import { usageReport, type UsageSource } from '../src/usage/report.js';
import { GiB } from '../src/contract/resources.js';

const SANDBOXES = 10_000;
const USERS = 20;
const RUNS = 15;
const NOW = Date.parse('2026-03-10T12:00:00.000Z');

async function median(answer: (range: DayRange) => Promise<unknown>, range: DayRange): Promise<number> {
  for (let i = 0; i < 3; i++) await answer(range); // warm-up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await answer(range);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

async function run(sizes: 'any' | 'usual'): Promise<void> {
  /** A fixed pseudo-random sequence, so every run sees the same history. */
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(list: readonly T[], user: number): T => list[sizes === 'usual' && rnd() < 0.9 ? user % list.length : Math.floor(rnd() * list.length)]!;

  const db = await openDatabase(':memory:');
  const repo = new SandboxRepository(db);
  const days = new UsageDayRepository(db);
  for (let u = 0; u < USERS; u++) {
    await db.insertInto('users').values({ username: `user${u}`, role: 'user', disabled: 0, created_at: '2025-01-01T00:00:00.000Z', password_hash: null, email: null, oidc_issuer: null, oidc_subject: null, uid: null, gid: null, quota_bytes: null, home_bytes: null, home_measured_at: null }).execute();
  }
  for (let i = 0; i < SANDBOXES; i++) {
    const user = Math.floor(rnd() * USERS);
    const start = NOW - 365 * DAY_MS + Math.floor(rnd() * 364 * DAY_MS);
    const ran = Math.floor(Math.exp(rnd() * Math.log((3 * DAY_MS) / 60_000)) * 60_000);
    const cpus = pick([0.5, 1, 2, 4], user);
    // Written ended, as a history imported would be: the repository adds it to the roll-up as an ending does.
    await repo.insertLaunch(
      {
        id: `s${i}`,
        user_id: user + 1,
        username: `user${user}`,
        name: `s${i}`,
        image: 'tiny',
        image_ref: 'shiva/tiny:latest',
        machine: 'local',
        cpus,
        cpu_request: cpus * 0.25,
        memory_bytes: pick([4, 8, 16], user) * GiB,
        gpus: pick(['[]', '["0"]'], user),
        state: rnd() < 0.1 ? 'failed' : 'stopped',
        token: 't',
        created_at: new Date(start).toISOString(),
        started_at: new Date(start).toISOString(),
        stopped_at: new Date(Math.min(start + ran, NOW - 1000)).toISOString(),
      },
      SANDBOXES,
    );
  }
  const source: UsageSource = {
    days: (fromDay, untilDay, username) => days.between(fromDay, untilDay, username),
    live: (until, username) => repo.liveLifetimes(until, username),
    endedBetween: (since, until, username) => repo.endedLifetimesBetween(since, until, username),
  };
  const fromRows = async (range: DayRange) => {
    const { start, end } = rangeBounds(range);
    return accountUsage(await repo.lifetimesBetween(new Date(start).toISOString(), new Date(end).toISOString()), range, NOW);
  };
  const fromDays = (range: DayRange) => usageReport(source, range, NOW);

  const rolled = (await db.selectFrom('usage_days').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
  console.log(`${sizes === 'any' ? 'any of 24 sizes' : 'mostly a usual size'}: ${rolled} roll-up rows`);
  for (const length of [30, 365]) {
    const range = { from: dayOf(NOW - (length - 1) * DAY_MS), to: dayOf(NOW) };
    if (!isDeepStrictEqual(await fromRows(range), await fromDays(range))) throw new Error(`the two answers differ for ${length} days`);
    const rows = await median(fromRows, range);
    const daysMs = await median(fromDays, range);
    console.log(`  ${String(length).padStart(3)} days: from rows ${rows.toFixed(2)} ms, from the roll-up ${daysMs.toFixed(2)} ms (${(rows / daysMs).toFixed(1)}x)`);
  }
  await db.destroy();
}

console.log(`bench:usage ${SANDBOXES} ended sandboxes of ${USERS} users over a year, everyone's usage, median of ${RUNS} (node ${process.version})`);
await run('any');
await run('usual');
