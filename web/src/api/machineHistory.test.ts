import { describe, expect, it } from 'vitest';
import { mockHistory } from '../testing/mocks';
import { historyPath, mergeHistory } from './machineHistory';
import type { MachineHistoryPage } from './types';

const figures = { cpuPercent: 50, memoryUsedBytes: 1, gpuUtilizationPercent: null, gpuMemoryUsedBytes: null };
const samples = mockHistory(6, 0, figures);
const page = (overrides: Partial<MachineHistoryPage>): MachineHistoryPage => ({ cursor: 'abcdef01.1', full: false, windowSamples: 4, machines: [], ...overrides });

describe('the machine samples the dashboard keeps', () => {
  it('takes a first answer as it is and asks for everything until it has one', () => {
    expect(historyPath(undefined)).toBe('/api/machines/history');
    const held = mergeHistory(undefined, page({ full: true, machines: [{ name: 'one', samples: samples.slice(0, 3) }] }));
    expect(held.cursor).toBe('abcdef01.1');
    expect(held.byMachine.get('one')).toEqual(samples.slice(0, 3));
    expect(historyPath(held)).toBe('/api/machines/history?since=abcdef01.1');
  });

  it("appends what is new to each machine's samples and keeps no more than the hub's window", () => {
    const held = mergeHistory(undefined, page({ full: true, machines: [{ name: 'one', samples: samples.slice(0, 3) }, { name: 'two', samples: samples.slice(0, 1) }] }));
    const next = mergeHistory(held, page({ cursor: 'abcdef01.9', machines: [{ name: 'one', samples: samples.slice(3, 6) }] }));
    expect(next.cursor).toBe('abcdef01.9');
    expect(next.byMachine.get('one')).toEqual(samples.slice(2, 6));
    // A machine with nothing new keeps its very array: its charts are not drawn again.
    expect(next.byMachine.get('two')).toBe(held.byMachine.get('two'));
  });

  it('keeps everything as it was when nothing is new', () => {
    const held = mergeHistory(undefined, page({ full: true, machines: [{ name: 'one', samples }] }));
    expect(mergeHistory(held, page({}))).toBe(held);
  });

  it('replaces what it holds when the hub sends its whole window again (it restarted)', () => {
    const held = mergeHistory(undefined, page({ full: true, machines: [{ name: 'one', samples }, { name: 'gone', samples }] }));
    const restarted = mergeHistory(held, page({ cursor: '12345678.2', full: true, machines: [{ name: 'one', samples: samples.slice(5) }] }));
    expect([...restarted.byMachine.keys()]).toEqual(['one']);
    expect(restarted.byMachine.get('one')).toEqual(samples.slice(5));
  });
});
