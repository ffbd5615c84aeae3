/** The signed-in user, their limits, and their own password. */
import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { request } from '../client';
import type { ChangePasswordRequest, Me } from '../types';

export const meKey = ['me'] as const;

export const me = () => queryOptions({ queryKey: meKey, queryFn: ({ signal }) => request<Me>('/api/me', { signal }), staleTime: 60_000 });

export const changePassword = () => ({
  mutationFn: (body: ChangePasswordRequest) => request<null>('/api/me/password', { method: 'PUT', body }),
});

export const signOut = (queryClient: QueryClient) => ({
  mutationFn: () => request<null>('/api/auth/logout', { method: 'POST' }),
  onSettled: () => queryClient.clear(),
});

/** Ends every session of mine, in every browser (this one too); API tokens stay. */
export const signOutEverywhere = (queryClient: QueryClient) => ({
  mutationFn: () => request<null>('/api/auth/logout?everywhere=true', { method: 'POST' }),
  onSuccess: () => queryClient.clear(),
});
