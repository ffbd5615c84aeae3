#!/usr/bin/env node
/**
 * `npm start`'s build step: builds the hub (tsc) and the dashboard (vite) only when their
 * sources changed since the last build, so a second `npm start` starts at once instead of
 * spending about 20 s rebuilding what is already in dist/. Each part's inputs are hashed by
 * content (not by modification time, which a checkout or a copy changes without changing
 * anything) and compared with the hashes recorded in dist/.build-stamp.json by the last build
 * that succeeded, with the time its output was written. `npm run build` (`--all`) builds
 * everything, always, and records it too.
 *
 * Plain JavaScript rather than TypeScript so that it runs on Node alone, before anything is
 * built and without a TypeScript loader's start-up time.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = path.join(root, 'dist', '.build-stamp.json');

/**
 * The parts of the build: the folders and files each reads, the output whose absence forces a
 * build, and the command. Tests are not inputs: they are not built into dist/.
 * @type {{ name: string; inputs: string[]; output: string; command: string[] }[]}
 */
const PARTS = [
  {
    name: 'hub',
    inputs: ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'],
    output: 'dist/main.js',
    command: ['npx', 'tsc', '-p', 'tsconfig.build.json'],
  },
  {
    name: 'dashboard',
    // The dashboard shares the API's types and error codes with the hub (src/contract).
    inputs: ['web', 'src/contract', 'package.json', 'package-lock.json'],
    output: 'dist/web/index.html',
    command: ['npm', 'run', 'build:web'],
  },
];

const IGNORED = /(^|\/)(node_modules|dist)(\/|$)|\.test\.tsx?$/;

/** Every file under the folder `relative`, sorted, as paths relative to the root; throws ENOTDIR for a file. */
function files(relative) {
  const full = path.join(root, relative);
  if (!existsSync(full)) return [];
  const entries = readdirSync(full, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath ?? e.path, e.name)))
    .filter((f) => !IGNORED.test(f))
    .sort();
}

/** One hash over the names and contents of a part's inputs. */
function fingerprint(inputs) {
  const hash = createHash('sha256');
  for (const input of inputs) {
    let list;
    try {
      list = files(input);
    } catch (err) {
      if (err.code !== 'ENOTDIR') throw err;
      list = [input];
    }
    for (const file of list) {
      hash.update(file).update('\0').update(readFileSync(path.join(root, file))).update('\0');
    }
  }
  return hash.digest('hex');
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return {};
  }
}

/** When the part's output file was last written (ms), or null when there is none. */
function outputTime(part) {
  try {
    return statSync(path.join(root, part.output)).mtimeMs;
  } catch {
    return null;
  }
}

// `--all` (what `npm run build` runs) builds every part whatever the stamp says, and records it.
const all = process.argv.includes('--all');
const stamp = readStamp();
for (const part of PARTS) {
  const now = fingerprint(part.inputs);
  const recorded = stamp[part.name];
  // Up to date only when the sources are those of the last build made here and its output is the
  // one that build wrote: a build by other means (tsc or vite by hand) rewrites the output, and
  // what it holds is then unknown.
  if (!all && recorded?.sources === now && recorded.output === outputTime(part)) {
    process.stdout.write(`shiva: the ${part.name} is up to date in dist/ (no source changed since it was built)\n`);
    continue;
  }
  process.stdout.write(`shiva: building the ${part.name}: ${part.command.join(' ')}\n`);
  const result = spawnSync(part.command[0], part.command.slice(1), { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  // Recorded after each part, so a failure in the next one does not rebuild this one again.
  stamp[part.name] = { sources: now, output: outputTime(part) };
  writeFileSync(stampFile, `${JSON.stringify(stamp, null, 2)}\n`);
}
