#!/usr/bin/env node
/**
 * The `shiva` command: the hub (`serve`) and a client for it (every other verb). Only the verbs'
 * definitions are loaded here; what a verb needs beyond its flags (the server, the database) is
 * imported when it runs, so a client verb starts without loading the hub.
 */
import { Command } from 'commander';
import { ApiError } from './cli/client.js';
import { registerLogin, registerLogout } from './cli/login.js';
import { registerDatasets } from './cli/datasets.js';
import { registerEnvironments } from './cli/environments.js';
import { hintFor } from './cli/hints.js';
import { registerImages } from './cli/images.js';
import { registerMachines } from './cli/machines.js';
import { registerSandboxes } from './cli/sandboxes.js';
import { registerServe } from './cli/serve.js';
import { registerSshConfig } from './cli/ssh-config.js';
import { registerSshKeys } from './cli/ssh-keys.js';
import { registerTokens } from './cli/tokens.js';
import { registerUsage } from './cli/usage.js';
import { registerUsers } from './cli/users.js';
import { VERSION } from './version.js';

// A reader that has what it wants (`shiva machines | head -1`) closes the pipe: end quietly, as
// a command killed by SIGPIPE does, rather than print a stack for the next write.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command('shiva').version(VERSION).description('Personal GPU sandboxes for machine-learning teams.');
registerServe(program);
registerLogin(program);
registerLogout(program);
registerSandboxes(program);
registerEnvironments(program);
registerMachines(program);
registerDatasets(program);
registerImages(program);
registerUsers(program);
registerTokens(program);
registerSshKeys(program);
registerSshConfig(program);
registerUsage(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ApiError) {
    process.stderr.write(`shiva: ${err.message} (${err.code})\n`);
    const hint = hintFor(err.code);
    if (hint) process.stderr.write(`${hint}\n`);
    process.exit(1);
  }
  process.stderr.write(`shiva: ${(err as Error).message}\n`);
  process.exit(1);
});
