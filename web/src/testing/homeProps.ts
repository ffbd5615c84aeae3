/** The Home page's view props for tests: alice's sandboxes, images and machines, and handlers that record their calls. */
import { vi } from 'vitest';
import type { HomePageViewProps } from '../pages/Home/HomePageView';
import { MockImages, MockMachines, MockMe, MockSandboxes } from './mocks';

export const mockHomeProps = (overrides: Partial<HomePageViewProps> = {}): HomePageViewProps => ({
  me: MockMe,
  sandboxes: MockSandboxes,
  sandboxesError: null,
  onRetrySandboxes: vi.fn(),
  images: MockImages,
  imagesError: null,
  machines: MockMachines,
  launchPending: false,
  launchError: null,
  onLaunch: vi.fn(),
  busyIds: new Set(),
  onStop: vi.fn(),
  stopError: null,
  onRelaunch: vi.fn(),
  onKeep: vi.fn(),
  relaunchErrors: new Map(),
  launch: null,
  onDismissLaunch: vi.fn(),
  ...overrides,
});
