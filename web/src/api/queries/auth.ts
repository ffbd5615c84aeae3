/** Signing in with a local account; the hub answers with the session cookie. */
import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { request } from '../client';
import type { AuthProviders, User } from '../types';
import { meKey } from './me';

export interface SignInRequest {
  username: string;
  password: string;
}

export const signIn = (queryClient: QueryClient) => ({
  mutationFn: (body: SignInRequest) => request<{ user: User }>('/api/auth/login', { method: 'POST', body }),
  onSuccess: () => {
    // Whatever was cached belonged to whoever was signed in before.
    queryClient.clear();
    return queryClient.invalidateQueries({ queryKey: meKey });
  },
});

/** The ways to sign in here; a hub that cannot say has local accounts only. */
export const signInProviders = () =>
  queryOptions({
    queryKey: ['auth', 'providers'] as const,
    queryFn: ({ signal }) =>
      request<AuthProviders>('/api/auth/providers', { signal }).catch((): AuthProviders => ({ local: true, oidc: null })),
    staleTime: Infinity,
  });
