/** The recent events of every sandbox, newest first (admins). */
import { queryOptions } from '@tanstack/react-query';
import { request } from '../client';
import type { RecentEvent } from '../types';

export const RECENT_EVENTS_LIMIT = 100;

export const recentEvents = (limit = RECENT_EVENTS_LIMIT) =>
  queryOptions({
    queryKey: ['events', limit] as const,
    queryFn: ({ signal }) => request<{ entries: RecentEvent[] }>(`/api/events?limit=${limit}`, { signal }),
    select: (page: { entries: RecentEvent[] }) => page.entries,
    refetchInterval: 10_000,
  });
