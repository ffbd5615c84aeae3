/** The SSH gateway's address and host key, and the signed-in user's SSH keys: list, add, remove. */
import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { request } from '../client';
import type { AddSshKeyRequest, SshGatewayInfo, SshKey } from '../types';

export const sshKeysKey = ['ssh-keys'] as const;

export const sshGateway = () =>
  queryOptions({ queryKey: ['ssh'] as const, queryFn: ({ signal }) => request<SshGatewayInfo>('/api/ssh', { signal }), staleTime: 5 * 60_000 });

export const sshKeys = () => queryOptions({ queryKey: sshKeysKey, queryFn: ({ signal }) => request<SshKey[]>('/api/ssh-keys', { signal }) });

export const addSshKey = (queryClient: QueryClient) => ({
  mutationFn: (body: AddSshKeyRequest) => request<SshKey>('/api/ssh-keys', { method: 'POST', body }),
  onSuccess: () => queryClient.invalidateQueries({ queryKey: sshKeysKey }),
});

/** Removing a key also closes, at once, the SSH connections it signed in. */
export const removeSshKey = (queryClient: QueryClient) => ({
  mutationFn: (key: Pick<SshKey, 'id'>) => request<null>(`/api/ssh-keys/${encodeURIComponent(key.id)}`, { method: 'DELETE' }),
  onSettled: () => queryClient.invalidateQueries({ queryKey: sshKeysKey }),
});
