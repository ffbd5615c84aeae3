/**
 * The machines with their capacity, use, GPUs and sandboxes, and apart from them their samples
 * over the last hour. Both polled while a page shows them: see docs/dashboard.md for why polling
 * rather than a stream, and why the samples are a query of their own.
 */
import { queryOptions } from '@tanstack/react-query';
import { isApiError, request } from '../client';
import { historyPath, mergeHistory, type MachineHistories } from '../machineHistory';
import type { Machine, MachineHistoryPage } from '../types';

export const MACHINES_POLL_MS = 5_000;

export const machinesKey = ['machines'] as const;

/** Not under machinesKey: a launch or a stop changes the list, never the samples already taken. */
export const machineHistoryKey = ['machineHistory'] as const;

export const machines = () =>
  queryOptions({
    queryKey: machinesKey,
    queryFn: ({ signal }) => request<Machine[]>('/api/machines', { signal }),
    refetchInterval: MACHINES_POLL_MS,
  });

export const machineHistory = () =>
  queryOptions({
    queryKey: machineHistoryKey,
    queryFn: async ({ signal, client }): Promise<MachineHistories> => {
      const held = client.getQueryData<MachineHistories>(machineHistoryKey);
      try {
        return mergeHistory(held, await request<MachineHistoryPage>(historyPath(held), { signal }));
      } catch (err) {
        // A cursor this hub does not read (one of another version of the hub): start over.
        if (held && isApiError(err, 'INVALID_CURSOR')) return mergeHistory(undefined, await request<MachineHistoryPage>(historyPath(undefined), { signal }));
        throw err;
      }
    },
    refetchInterval: MACHINES_POLL_MS,
    // mergeHistory keeps every unchanged array itself; comparing an hour of samples per machine
    // with the last answer, as structural sharing would, is work that finds nothing.
    structuralSharing: false,
  });
