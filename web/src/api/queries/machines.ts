/**
 * The machines with their capacity, use, GPUs and sandboxes. Polled while a page shows them:
 * see docs/dashboard.md for why polling rather than a stream.
 */
import { queryOptions } from '@tanstack/react-query';
import { request } from '../client';
import type { Machine } from '../types';

export const MACHINES_POLL_MS = 5_000;

export const machinesKey = ['machines'] as const;

export const machines = () =>
  queryOptions({
    queryKey: machinesKey,
    queryFn: ({ signal }) => request<Machine[]>('/api/machines', { signal }),
    refetchInterval: MACHINES_POLL_MS,
  });
