/**
 * The homes filesystem's free and total bytes (GET /api/storage). Polled: the hub reads it every
 * health interval, and a filling disk is what an admin must see without reloading.
 */
import { queryOptions } from '@tanstack/react-query';
import { request } from '../client';
import type { Storage } from '../types';

export const STORAGE_POLL_MS = 15_000;

export const storage = () =>
  queryOptions({ queryKey: ['storage'] as const, queryFn: ({ signal }) => request<Storage>('/api/storage', { signal }), refetchInterval: STORAGE_POLL_MS });
