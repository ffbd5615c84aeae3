/** The Settings page's props for tests: the mock tokens, SSH keys and gateway, and handlers that record their calls and succeed. */
import { vi } from 'vitest';
import type { SettingsPageViewProps } from '../pages/Settings/SettingsPageView';
import { MockAddedSshKey, MockCreatedToken, MockSshGateway, MockSshKeys, MockTokens, MockUser } from './mocks';

export const mockSettingsProps = (overrides: Partial<SettingsPageViewProps> = {}): SettingsPageViewProps => ({
  password: { onChange: vi.fn(async () => null) },
  tokens: { admin: false, tokens: MockTokens, error: null, onRetry: vi.fn(), onCreate: vi.fn(async () => MockCreatedToken), onRevoke: vi.fn(async () => null) },
  sshKeys: { keys: MockSshKeys, error: null, onRetry: vi.fn(), onAdd: vi.fn(async () => MockAddedSshKey), onRemove: vi.fn(async () => null) },
  sshConnect: { gateway: MockSshGateway, username: MockUser.username, error: null, onRetry: vi.fn() },
  sessions: { onSignOutEverywhere: vi.fn(async () => null) },
  ...overrides,
});
