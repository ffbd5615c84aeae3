/** Accounts, for admins: the list, creation, changes (admin, disabled, password), ending sessions. */
import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { request } from '../client';
import type { CreatedUser, CreateUserRequest, UpdateUserRequest, User } from '../types';
import { auditKey } from './audit';
import { meKey } from './me';

export const usersKey = ['users'] as const;

export const users = () => queryOptions({ queryKey: usersKey, queryFn: ({ signal }) => request<User[]>('/api/users', { signal }) });

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
