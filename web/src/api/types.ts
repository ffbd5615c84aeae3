/**
 * The API's shapes as the dashboard uses them, all from src/contract/ and imported type-only,
 * so nothing of the server reaches the bundle.
 */
import type { Machine } from '../../../src/contract/api';

export type {
  ChangePasswordRequest,
  CreatedToken,
  CreatedUser,
  CreateTokenRequest,
  CreateUserRequest,
  Image,
  LaunchRequest,
  Machine,
  Me,
  RecentEvent,
  Sandbox,
  SandboxEvent,
  SandboxState,
  Token,
  UpdateUserRequest,
  User,
} from '../../../src/contract/api';
export type { ErrorCode } from '../../../src/contract/errors';

export type MachineGpu = Machine['gpus'][number];
export type MachineUsage = NonNullable<Machine['usage']>;
export type MachineSandbox = Machine['sandboxes'][number];

/** GET /api/auth/providers: how one may sign in to this hub (its schema is declared with the route). */
export interface SignInProviders {
  local: boolean;
  oidc: { name: string; loginUrl: string } | null;
}
