/** Saved environments: those I may launch (mine and shared ones), save a sandbox as one, share one, delete one. */
import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { request } from '../client';
import type { Environment, Sandbox, SaveRequest, SaveStarted } from '../types';
import { images } from './images';

export const environmentsKey = ['environments'] as const;

export const environments = () =>
  queryOptions({ queryKey: environmentsKey, queryFn: ({ signal }) => request<Environment[]>('/api/environments', { signal }) });

/** The list and the launch form's images (which list saved environments) after one is saved, shared or deleted. */
export function invalidateEnvironments(queryClient: QueryClient): Promise<void> {
  return Promise.all([queryClient.invalidateQueries({ queryKey: environmentsKey }), queryClient.invalidateQueries({ queryKey: images().queryKey })]).then(() => undefined);
}

export interface SaveVariables {
  sandbox: Pick<Sandbox, 'id'>;
  request: SaveRequest;
}

/** Starts a save: the hub answers at once, the sandbox's events tell the rest (api/saveEvents.ts). */
export const saveEnvironment = () => ({
  mutationFn: ({ sandbox, request: body }: SaveVariables) => request<SaveStarted>(`/api/sandboxes/${encodeURIComponent(sandbox.id)}/save`, { method: 'POST', body }),
});

export interface ShareVariables {
  environment: Pick<Environment, 'id'>;
  shared: boolean;
}

export const shareEnvironment = (queryClient: QueryClient) => ({
  mutationFn: ({ environment, shared }: ShareVariables) => request<Environment>(`/api/environments/${encodeURIComponent(environment.id)}`, { method: 'PATCH', body: { shared } }),
  onSettled: () => invalidateEnvironments(queryClient),
});

export const deleteEnvironment = (queryClient: QueryClient) => ({
  mutationFn: (environment: Pick<Environment, 'id'>) => request<Environment>(`/api/environments/${encodeURIComponent(environment.id)}`, { method: 'DELETE' }),
  onSettled: () => invalidateEnvironments(queryClient),
});
