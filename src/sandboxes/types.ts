/** What the sandboxes core needs from the parts around it, as narrow interfaces. */

export interface SandboxRoute {
  sandboxId: string;
  user: string;
  name: string;
  target: { host: string; port: number };
  token: string;
}

/** The proxy's route table, as the core sees it. */
export interface Routes {
  set(route: SandboxRoute): void;
  delete(user: string, name: string): void;
  get(user: string, name: string): SandboxRoute | undefined;
  list(): SandboxRoute[];
}

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Who asks for something to be done to a sandbox. */
export interface Actor {
  userId: number;
  username: string;
  admin: boolean;
}
