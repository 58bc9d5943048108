import { execFileSync } from 'node:child_process';
import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

export interface NodeBinary {
  /** `system` (the first `node` on PATH outside node_modules) or `pinned` (the `node` dev dependency). */
  label: 'system' | 'pinned';
  path: string;
  version: string;
}

const isExecutable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** PATH without node_modules/.bin folders, which npm and npx put first. */
export function pathWithoutNodeModules(path = process.env.PATH ?? ''): string {
  return path
    .split(delimiter)
    .filter((dir) => dir !== '' && !dir.includes('node_modules'))
    .join(delimiter);
}

/**
 * The Node versions the CLI must run on: the machine's own Node (what `which -a node` finds
 * outside node_modules, e.g. v20 in /usr/bin) and the project's pinned Node 22. One entry
 * per distinct version: where the system Node is the pinned one, it is checked once.
 */
export function nodeBinaries(): NodeBinary[] {
  const pinned = realpathSync(join(ROOT, 'node_modules', '.bin', 'node'));
  const system = pathWithoutNodeModules()
    .split(delimiter)
    .map((dir) => join(dir, 'node'))
    .find(isExecutable);
  const found: NodeBinary[] = [];
  for (const [label, path] of [
    ['system', system],
    ['pinned', pinned],
  ] as const) {
    if (!path) continue;
    const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
    if (!found.some((binary) => binary.version === version)) found.push({ label, path, version });
  }
  return found;
}

/** An environment whose PATH finds `binary` first as `node`, as a user's shell would. */
export function envWithNode(binary: NodeBinary, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra, PATH: `${dirname(binary.path)}${delimiter}${pathWithoutNodeModules()}` };
}
