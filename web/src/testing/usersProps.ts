/** The Admin page's users props for tests (UsersSection less `me`): the mock users, and handlers that record their calls and succeed. */
import { vi } from 'vitest';
import type { UsersSectionProps } from '../pages/Admin/UsersSection';
import { MockUser, MockUsers } from './mocks';

export const mockUsersProps = (overrides: Partial<Omit<UsersSectionProps, 'me'>> = {}): Omit<UsersSectionProps, 'me'> => ({
  users: MockUsers,
  error: null,
  onRetry: vi.fn(),
  onCreate: vi.fn(async (request) => ({ ...MockUser, id: 9, username: request.username, password: 'generated-pass-123' })),
  onUpdate: vi.fn(async () => MockUser),
  onEndSessions: vi.fn(async () => null),
  ...overrides,
});
