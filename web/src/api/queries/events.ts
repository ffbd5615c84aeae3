/** The events of every sandbox, newest first (admins): a page at a time, "Older" continues with `before`. */
import { infiniteQueryOptions } from '@tanstack/react-query';
import { request } from '../client';
import type { RecentEvent } from '../types';

export const RECENT_EVENTS_LIMIT = 100;

export interface EventsPage {
  entries: RecentEvent[];
  nextBefore: number | null;
}

export const recentEvents = (limit = RECENT_EVENTS_LIMIT) =>
  infiniteQueryOptions({
    queryKey: ['events', limit] as const,
    queryFn: ({ pageParam, signal }) =>
      request<EventsPage>(`/api/events?limit=${limit}${pageParam === null ? '' : `&before=${pageParam}`}`, { signal }),
    initialPageParam: null as number | null,
    getNextPageParam: (last: EventsPage) => last.nextBefore,
    // The newest page is followed as it changes; once older pages are open the reader is
    // reading history, and a refresh would ask for every page again.
    refetchInterval: (query) => ((query.state.data?.pages.length ?? 1) > 1 ? false : 10_000),
  });
