/** The signed-in user's API tokens: list, create (the secret is in that one answer), revoke. */
import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { request } from '../client';
import type { CreatedToken, CreateTokenRequest, Token } from '../types';

export const tokensKey = ['tokens'] as const;

export const tokens = () => queryOptions({ queryKey: tokensKey, queryFn: ({ signal }) => request<Token[]>('/api/tokens', { signal }) });

export const createToken = (queryClient: QueryClient) => ({
  mutationFn: (body: CreateTokenRequest) => request<CreatedToken>('/api/tokens', { method: 'POST', body }),
  onSuccess: () => queryClient.invalidateQueries({ queryKey: tokensKey }),
});

export const revokeToken = (queryClient: QueryClient) => ({
  mutationFn: (token: Pick<Token, 'id'>) => request<null>(`/api/tokens/${encodeURIComponent(token.id)}`, { method: 'DELETE' }),
  onSettled: () => queryClient.invalidateQueries({ queryKey: tokensKey }),
});
