/**
 * Every error the API can answer, with its stable code and HTTP status. Clients (CLI, web)
 * match on `code`, never on `message`. docs/errors.md lists each one; a test keeps the two equal.
 */
export const errorCodes = {
  BAD_REQUEST: { status: 400, message: 'The request is malformed.' },
  VALIDATION_FAILED: { status: 400, message: 'A field of the request is missing or invalid.' },
  INVALID_NAME: { status: 400, message: 'A name must be 1-32 lowercase letters, digits or dashes, starting with a letter.' },
  INVALID_RESOURCES: { status: 400, message: 'The requested CPUs, memory or GPUs are outside what this hub allows.' },
  INVALID_RANGE: { status: 400, message: 'Give days as YYYY-MM-DD, from no later than to, at most 366 days in all.' },
  INVALID_CURSOR: { status: 400, message: 'This cursor is not one this list gave, or was given under another order, search or filter: pass `next` or `cursor` of the previous answer as it was, with the same parameters, or leave it out to start again.' },
  BODY_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the request body as application/json.' },
  UNAUTHENTICATED: { status: 401, message: 'Sign in or send a valid API token.' },
  INVALID_CREDENTIALS: { status: 401, message: 'The username or password is wrong.' },
  RATE_LIMITED: { status: 429, message: 'Too many failed sign-ins; wait a while before trying again.' },
  LOCAL_SIGN_IN_DISABLED: { status: 403, message: 'Sign-in with a local password is turned off here; use the company sign-in.' },
  CSRF_FAILED: { status: 403, message: 'The request lacks the X-CSRF-Token header that goes with your sign-in; reload the page.' },
  FORBIDDEN: { status: 403, message: 'You are not allowed to do this.' },
  SANDBOX_ORIGIN_REQUIRED: { status: 403, message: "Browsers open a sandbox on its own address; use the sandbox's url, or send an API token here." },
  ORIGIN_MISMATCH: { status: 403, message: "This request came from a page outside the sandbox's own origin; it is refused." },
  SIGN_IN_CODE_INVALID: { status: 400, message: 'This sandbox sign-in link has expired or was already used; open the sandbox again from the dashboard.' },
  NOT_FOUND: { status: 404, message: 'There is nothing at this address.' },
  USER_NOT_FOUND: { status: 404, message: 'No such user.' },
  USER_EXISTS: { status: 409, message: 'A user with this name already exists.' },
  UID_RANGE_EXHAUSTED: { status: 503, message: 'No user id is left for a new account; an admin must widen identity.firstUid..lastUid.' },
  LAST_ADMIN: { status: 409, message: 'This is the last admin who can sign in; make another admin first.' },
  TOKEN_NOT_FOUND: { status: 404, message: 'No such API token.' },
  SANDBOX_NOT_FOUND: { status: 404, message: 'No such sandbox.' },
  SANDBOX_NAME_TAKEN: { status: 409, message: 'You already have a sandbox with this name.' },
  SANDBOX_LIMIT_REACHED: { status: 409, message: 'You have reached the number of sandboxes you may run at once.' },
  SANDBOX_NOT_RUNNING: { status: 503, message: 'The sandbox is not running.' },
  IMAGE_NOT_FOUND: { status: 400, message: 'This image is not in the catalogue.' },
  MACHINE_NOT_FOUND: { status: 400, message: 'No such machine.' },
  MACHINE_NOT_READY: { status: 503, message: 'This machine takes no launches now; the machines page says why.' },
  // Pulls of catalogue images (POST /api/images/:name/pull): the image or machine in the path.
  NO_SUCH_IMAGE: { status: 404, message: 'No image of this name is in the catalogue.' },
  NO_SUCH_MACHINE: { status: 404, message: 'No machine of this name is configured.' },
  NO_CAPACITY: { status: 409, message: 'No machine has room for this request.' },
  STORAGE_FULL: { status: 503, message: 'The homes filesystem is nearly full; new sandboxes cannot start until space is freed.' },
  QUOTA_EXCEEDED: { status: 409, message: 'Your home is at or over its disk quota; delete files from it before launching.' },
  INVALID_QUOTA: { status: 400, message: 'A quota is a number of GiB from 0 to 1048576 (1 PiB), or null for the default.' },
  QUOTA_BACKEND_FAILED: { status: 502, message: "The filesystem refused the quota command; the hub's log says which command and why." },
  // SSH keys (POST /api/ssh-keys, docs/ssh.md).
  INVALID_SSH_KEY: { status: 400, message: 'This is not a public key Shiva accepts (ed25519, ecdsa, or RSA of 2048 bits or more).' },
  SSH_KEY_IN_USE: { status: 409, message: 'This key is already added, to your account or to another; a key signs in as one user only.' },
  SSH_KEY_NOT_FOUND: { status: 404, message: 'No such SSH key.' },
  SSH_KEY_LIMIT_REACHED: { status: 409, message: 'You have as many SSH keys as you may keep; remove one first.' },
  INVALID_ENVIRONMENT_NAME: { status: 400, message: 'An environment name is 1-64 lowercase letters and digits, parts joined by one dot, dash or underscore (no "/", no "..").' },
  ENVIRONMENT_NOT_FOUND: { status: 404, message: 'No such saved environment.' },
  ENVIRONMENT_LIMIT_REACHED: { status: 409, message: 'You have as many saved environments as you may keep; delete one first.' },
  ENVIRONMENT_SIZE_LIMIT: { status: 409, message: 'Your saved environments take all the registry space you may use; delete one first.' },
  SAVE_IN_PROGRESS: { status: 409, message: 'This sandbox is being saved already; wait for that save to end.' },
  REGISTRY_NOT_CONFIGURED: { status: 409, message: "Saving environments needs the team's registry, which this hub is not configured with (registry in the configuration)." },
  REGISTRY_UNAVAILABLE: { status: 503, message: "The team's registry does not answer, or refused the request; the hub's log says why." },
  RUNTIME_UNAVAILABLE: { status: 503, message: 'The container engine does not answer.' },
  SANDBOX_UNREACHABLE: { status: 503, message: 'The sandbox does not answer, or answers something that is not HTTP.' },
  SANDBOX_BAD_RESPONSE: { status: 502, message: 'The sandbox answered with a response that cannot be passed on safely (ambiguous framing or an invalid header).' },
  SANDBOX_CONNECTION_LOST: { status: 502, message: 'The sandbox closed the connection before answering; the request was not repeated, since it may have been acted on.' },
  INVALID_HEADER: { status: 400, message: 'A header of the request has an invalid name or value, or the request is framed ambiguously.' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request head or body stopped arriving in time; the connection was closed.' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request head is too large.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'This method is not allowed here.' },
  INTERNAL: { status: 500, message: 'Something went wrong in the hub; the error is logged.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCodes;

/** The body of every error answer. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/** An error meant for the user: its message is shown as is, its code is stable. */
export class ShivaError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? errorCodes[code].message);
    this.name = 'ShivaError';
    this.code = code;
    this.status = errorCodes[code].status;
    this.details = details;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error: { code: this.code, message: this.message } };
    if (this.details !== undefined) body.error.details = this.details;
    return body;
  }
}

export function isShivaError(err: unknown): err is ShivaError {
  return err instanceof ShivaError;
}
