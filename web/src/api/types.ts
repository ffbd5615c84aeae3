/**
 * The API's shapes as the dashboard uses them, all from src/contract/ and imported type-only,
 * so nothing of the server reaches the bundle.
 */
import type { Machine } from '../../../src/contract/api';
export type { EventCode, EventCodeParams, EventDetail } from '../../../src/contract/event-codes';

export type {
  AuditEntryView,
  AddSshKeyRequest,
  AuthProviders,
  ChangePasswordRequest,
  CreatedToken,
  CreatedUser,
  CreateTokenRequest,
  CreateUserRequest,
  Dataset,
  Environment,
  HomesStorage,
  Image,
  LaunchRequest,
  Machine,
  MachineHistoryPage,
  MachineSample,
  Me,
  RecentEvent,
  Sandbox,
  SandboxEvent,
  SandboxState,
  SaveRequest,
  SaveStarted,
  SshGatewayInfo,
  SshKey,
  Storage,
  Token,
  UpdateUserRequest,
  UsageDay,
  UsageFigures,
  UsageReport,
  UsageUser,
  User,
} from '../../../src/contract/api';
export type { ErrorCode } from '../../../src/contract/errors';
export type { Page } from '../../../src/contract/paging';
export type { ImagePull, ImagePullState, ImagePullsQueued, MachineImage } from '../../../src/contract/api';

export type MachineGpu = Machine['gpus'][number];
export type MachineUsage = NonNullable<Machine['usage']>;
export type MachineSandbox = Machine['sandboxes'][number];
