/** The image catalogue users may launch from, and an admin's pull of one to the machines. */
import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { request } from '../client';
import type { Image, ImagePullsQueued } from '../types';
import { auditKey } from './audit';

export const images = () =>
  queryOptions({ queryKey: ['images'] as const, queryFn: ({ signal }) => request<Image[]>('/api/images', { signal }), staleTime: 5 * 60_000 });

/** Pulls a catalogue image to every machine (or `machine`); the pulls stream (useImagePulls) shows how it goes. */
export const pullImage = (queryClient: QueryClient) => ({
  mutationFn: ({ name, machine }: { name: string; machine?: string }) =>
    request<ImagePullsQueued>(`/api/images/${encodeURIComponent(name)}/pull`, { method: 'POST', body: machine ? { machine } : {} }),
  onSettled: () => queryClient.invalidateQueries({ queryKey: auditKey }),
});
