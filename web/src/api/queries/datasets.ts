/** The shared datasets the signed-in user's sandboxes get. */
import { queryOptions } from '@tanstack/react-query';
import { request } from '../client';
import type { Dataset } from '../types';

export const datasets = () =>
  queryOptions({ queryKey: ['datasets'] as const, queryFn: ({ signal }) => request<Dataset[]>('/api/datasets', { signal }), staleTime: 5 * 60_000 });
