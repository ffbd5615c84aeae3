import { describe, expect, it } from 'vitest';
import { Ledger } from './ledger.js';
import type { Holding, MachineCapacity, Placement, PlacementRequest, Policy } from './place.js';

const GiB = 1024 ** 3;
const gpus = (machine: string, n: number) => Array.from({ length: n }, (_, i) => `${machine}-gpu${i}`);
const machines: MachineCapacity[] = [
  { name: 'a', up: true, cpus: 32, memoryBytes: 256 * GiB, gpus: gpus('a', 8) },
  { name: 'b', up: true, cpus: 32, memoryBytes: 256 * GiB, gpus: gpus('b', 8) },
  { name: 'c', up: false, cpus: 64, memoryBytes: 512 * GiB, gpus: gpus('c', 8) },
];

/** One decision, as the ledger makes it, with these sandboxes already holding their room. */
function place(machines: MachineCapacity[], holdings: Holding[], request: PlacementRequest, policy: Policy): Placement {
  const ledger = new Ledger(() => machines, policy);
  holdings.forEach((h, i) => ledger.hold(`held${i}`, h));
  return ledger.reserve('new', request);
}

describe('placement', () => {
  it('packs onto the fullest machine that fits, and spreads onto the emptiest', () => {
    const holdings = [{ machine: 'b', cpus: 4, memoryBytes: 16 * GiB, gpus: ['b-gpu0', 'b-gpu1'] }];
    const request = { cpus: 4, memoryBytes: 16 * GiB, gpus: 2 };
    expect(place(machines, holdings, request, 'pack')).toEqual({ ok: true, machine: 'b', gpus: ['b-gpu2', 'b-gpu3'] });
    expect(place(machines, holdings, request, 'spread')).toEqual({ ok: true, machine: 'a', gpus: ['a-gpu0', 'a-gpu1'] });
  });

  it('never places on a machine that is down, honours a pinned machine, and names what is short', () => {
    const big = { cpus: 48, memoryBytes: 8 * GiB, gpus: 0 };
    const result = place(machines, [], big, 'pack');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe('a: 32 CPUs free (48 asked); b: 32 CPUs free (48 asked)');
      expect(result.mostRoom?.machine).toBe('b');
    }
    expect(place(machines, [], { cpus: 1, memoryBytes: GiB, gpus: 0, machine: 'a' }, 'spread')).toMatchObject({ ok: true, machine: 'a' });
    expect(place(machines, [], { cpus: 1, memoryBytes: GiB, gpus: 0, machine: 'c' }, 'pack')).toMatchObject({ ok: false, reason: 'c does not answer' });
  });

  it('never gives one sandbox more CPUs than its machine has, whatever the overcommit, and says so', () => {
    const small: MachineCapacity[] = [
      { name: 'two', up: true, cpus: 32, memoryBytes: 64 * GiB, gpus: [], cpusPerSandbox: 2 },
      { name: 'four', up: true, cpus: 8, memoryBytes: 64 * GiB, gpus: [], cpusPerSandbox: 4 },
    ];
    expect(place(small, [], { cpus: 3, memoryBytes: GiB, gpus: 0 }, 'pack')).toMatchObject({ ok: true, machine: 'four' });
    const refused = place(small, [], { cpus: 6, memoryBytes: GiB, gpus: 0 }, 'pack');
    expect(refused).toMatchObject({ ok: false, reason: 'two: 2 CPUs in all, so at most 2 per sandbox; four: 4 CPUs in all, so at most 4 per sandbox' });
  });

  it('fits CPUs by request and holds only the request, while the limit need only stay within the engine', () => {
    const eight: MachineCapacity[] = [{ name: 'ws', up: true, cpus: 8, memoryBytes: 64 * GiB, gpus: [], cpusPerSandbox: 8 }];
    const ledger = new Ledger(() => eight, 'pack');
    // Limits of 8 CPUs each, eight times the machine in all: only the requests must fit.
    for (let i = 0; i < 4; i++) expect(ledger.reserve(`s${i}`, { cpus: 2, cpuLimit: 8, memoryBytes: GiB, gpus: 0 }).ok).toBe(true);
    expect(ledger.usedOn('ws').cpus).toBe(8);
    const full = ledger.reserve('more', { cpus: 0.5, cpuLimit: 2, memoryBytes: GiB, gpus: 0 });
    expect(full).toMatchObject({ ok: false, reason: 'ws: 0 CPUs free (0.5 asked)' });
    ledger.release('s0');
    const over = ledger.reserve('over', { cpus: 1, cpuLimit: 9, memoryBytes: GiB, gpus: 0 });
    expect(over).toMatchObject({ ok: false, reason: 'ws: 8 CPUs in all, so at most 8 per sandbox' });
    expect(ledger.reserve('fits', { cpus: 1, cpuLimit: 8, memoryBytes: GiB, gpus: 0 })).toMatchObject({ ok: true, machine: 'ws' });
  });

  it('lets sandboxes share GPUs only where an admin allowed it', () => {
    const shared: MachineCapacity[] = [{ name: 's', up: true, cpus: 8, memoryBytes: 64 * GiB, gpus: ['s0'], shareGpus: true }];
    const holdings = [{ machine: 's', cpus: 1, memoryBytes: GiB, gpus: ['s0'] }];
    expect(place(shared, holdings, { cpus: 1, memoryBytes: GiB, gpus: 1 }, 'pack')).toEqual({ ok: true, machine: 's', gpus: ['s0'] });
    const exclusive = [{ ...shared[0]!, shareGpus: false }];
    expect(place(exclusive, holdings, { cpus: 1, memoryBytes: GiB, gpus: 1 }, 'pack').ok).toBe(false);
  });

  it('never gives a GPU twice or overcommits, however many reserve at once', () => {
    const ledger = new Ledger(() => machines, 'spread');
    const results = Array.from({ length: 50 }, (_, i) => ledger.reserve(`s${i}`, { cpus: 1, memoryBytes: 4 * GiB, gpus: 1 }));
    const given = results.flatMap((r) => (r.ok ? r.gpus : []));
    expect(given).toHaveLength(16);
    expect(new Set(given).size).toBe(16);
    expect(results.filter((r) => !r.ok)).toHaveLength(34);
    for (const m of ['a', 'b']) {
      const held = ledger.held().filter((h) => h.machine === m);
      expect(held.reduce((s, h) => s + h.memoryBytes, 0)).toBeLessThanOrEqual(256 * GiB);
    }
    ledger.release('s0');
    expect(ledger.reserve('again', { cpus: 1, memoryBytes: 4 * GiB, gpus: 1 }).ok).toBe(true);
  });
});
