/** Accounts, for admins: a page of them at a time, searched on the hub, creation, changes (admin, disabled, password), ending sessions. */
import { keepPreviousData, queryOptions, type QueryClient } from '@tanstack/react-query';
import { request } from '../client';
import type { CreatedUser, CreateUserRequest, Page, UpdateUserRequest, User } from '../types';
import { auditKey } from './audit';
import { meKey } from './me';

export const usersKey = ['users'] as const;

/** Rows of one page of the Admin page's user table. */
export const USERS_PAGE_SIZE = 50;

/** Which page of users: the search text and the cursor of the page (null: the first). */
export interface UsersPageParams {
  search: string;
  cursor: string | null;
}

/** The query string of one page of users, by name. */
export function usersSearch({ search, cursor }: UsersPageParams, limit = USERS_PAGE_SIZE): string {
  const params = new URLSearchParams();
  if (search) params.set('q', search);
  if (cursor !== null) params.set('cursor', cursor);
  params.set('limit', String(limit));
  return params.toString();
}

/**
 * One page of users, searched on the hub. A page left behind is dropped at once (gcTime 0), so
 * paging through ten thousand accounts never holds more than the page shown and the one it
 * replaces; the page shown stays on screen while the next one loads.
 */
export const usersPage = (params: UsersPageParams) =>
  queryOptions({
    queryKey: [...usersKey, params.search, params.cursor] as const,
    queryFn: ({ signal }) => request<Page<User>>(`/api/users?${usersSearch(params)}`, { signal }),
    placeholderData: keepPreviousData,
    gcTime: 0,
  });

export const createUser = (queryClient: QueryClient) => ({
  mutationFn: (body: CreateUserRequest) => request<CreatedUser>('/api/users', { method: 'POST', body }),
  onSuccess: () => queryClient.invalidateQueries({ queryKey: usersKey }),
});

export interface UpdateUserVariables {
  id: number;
  changes: UpdateUserRequest;
}

export const updateUser = (queryClient: QueryClient) => ({
  mutationFn: ({ id, changes }: UpdateUserVariables) => request<User>(`/api/users/${id}`, { method: 'PATCH', body: changes }),
  onSuccess: () => Promise.all([queryClient.invalidateQueries({ queryKey: usersKey }), queryClient.invalidateQueries({ queryKey: meKey })]),
});

/** Ends every session of the user, in every browser; their API tokens keep working. */
export const endSessions = (queryClient: QueryClient) => ({
  mutationFn: (user: Pick<User, 'id'>) => request<null>(`/api/users/${user.id}/sessions`, { method: 'DELETE' }),
  onSettled: () => queryClient.invalidateQueries({ queryKey: auditKey }),
});
