/** The Admin page's users props for tests (UsersSection less `me`): the mock users, and handlers that record their calls and succeed. */
import { vi } from 'vitest';
import type { UsersSectionProps } from '../pages/Admin/UsersSection';
import { MockUser, MockUsers } from './mocks';

export const mockUsersProps = (overrides: Partial<Omit<UsersSectionProps, 'me'>> = {}): Omit<UsersSectionProps, 'me'> => ({
  users: MockUsers,
  total: MockUsers.length,
  error: null,
  onRetry: vi.fn(),
  search: '',
  onSearch: vi.fn(),
  page: 0,
  pageSize: 50,
  pageLoading: false,
  onPage: vi.fn(),
  onCreate: vi.fn(async (request) => ({ ...MockUser, id: 9, username: request.username, password: 'generated-pass-123' })),
  onUpdate: vi.fn(async () => MockUser),
  onEndSessions: vi.fn(async () => null),
  ...overrides,
});
