/** Sandboxes: mine (with the recently ended, so they can be relaunched), everyone's for admins, launch, keep running and stop. */
import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { request } from '../client';
import { MAX_PAGE_LIMIT } from '../../../../src/contract/paging';
import type { LaunchRequest, Page, Sandbox } from '../types';
import { machinesKey } from './machines';

export const sandboxesKey = ['sandboxes'] as const;

/** Sandboxes change state on their own (culled, failed): refresh now and then. */
const SANDBOXES_POLL_MS = 10_000;

export const mySandboxes = () =>
  queryOptions({
    queryKey: [...sandboxesKey, 'mine'] as const,
    // What Home shows: every live one (sandboxes.maxPerUser bounds them, and may be more than a
    // default page holds: one page of the most a page may hold), and the newest page of all, for
    // the recently ended. Live ones are asked for apart: one started long ago would otherwise
    // fall off behind a hundred newer ones that ended.
    queryFn: async ({ signal }) => {
      const [live, recent] = await Promise.all([
        request<Page<Sandbox>>(`/api/sandboxes?limit=${MAX_PAGE_LIMIT}`, { signal }),
        request<Page<Sandbox>>('/api/sandboxes?ended=true', { signal }),
      ]);
      const shown = new Set(recent.items.map((s) => s.id));
      return [...recent.items, ...live.items.filter((s) => !shown.has(s.id))];
    },
    refetchInterval: SANDBOXES_POLL_MS,
  });

export const allSandboxes = () =>
  queryOptions({
    queryKey: [...sandboxesKey, 'all'] as const,
    // Live ones only, which machines' room bounds: one page of the most a page may hold.
    queryFn: ({ signal }) => request<Page<Sandbox>>(`/api/sandboxes?all=true&limit=${MAX_PAGE_LIMIT}`, { signal }),
    refetchInterval: SANDBOXES_POLL_MS,
  });

/** After a launch, stop or state change, the lists and the machines' room are out of date. */
export function invalidateSandboxes(queryClient: QueryClient): Promise<void> {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: sandboxesKey }),
    queryClient.invalidateQueries({ queryKey: machinesKey }),
  ]).then(() => undefined);
}

export const launchSandbox = (queryClient: QueryClient) => ({
  mutationFn: (body: LaunchRequest) => request<Sandbox>('/api/sandboxes', { method: 'POST', body }),
  onSuccess: () => invalidateSandboxes(queryClient),
});

export const stopSandbox = (queryClient: QueryClient) => ({
  mutationFn: (sandbox: Pick<Sandbox, 'id'>) => request<Sandbox>(`/api/sandboxes/${encodeURIComponent(sandbox.id)}`, { method: 'DELETE' }),
  onSettled: () => invalidateSandboxes(queryClient),
});

/** Keep it running: calls off an idle stop (not the maximum age); the lists show the banner gone. */
export const keepSandbox = (queryClient: QueryClient) => ({
  mutationFn: (sandbox: Pick<Sandbox, 'id'>) => request<Sandbox>(`/api/sandboxes/${encodeURIComponent(sandbox.id)}/keep`, { method: 'POST' }),
  onSettled: () => invalidateSandboxes(queryClient),
});

/** The same sandbox again: its name, image and resources. */
export function relaunchRequest(sandbox: Sandbox): LaunchRequest {
  return { name: sandbox.name, image: sandbox.image, cpus: sandbox.cpus, memoryGiB: sandbox.memoryGiB, gpus: sandbox.gpus.length };
}
