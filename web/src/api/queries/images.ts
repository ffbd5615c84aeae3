/** The image catalogue users may launch from. */
import { queryOptions } from '@tanstack/react-query';
import { request } from '../client';
import type { Image } from '../types';

export const images = () =>
  queryOptions({ queryKey: ['images'] as const, queryFn: ({ signal }) => request<Image[]>('/api/images', { signal }), staleTime: 5 * 60_000 });
