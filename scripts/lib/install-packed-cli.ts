import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

export interface InstalledCli {
  /** The `clonewarden` link npm wrote into the prefix's bin/. */
  bin: string;
  /** The installed package folder. */
  packageDir: string;
  /** An empty folder to run commands in, away from the repository. */
  workDir: string;
  /** The paths `npm pack` put in the tarball. */
  packedFiles: string[];
  remove(): void;
}

/**
 * Installs the CLI the way the README tells a team to: `npm run pack:cli` (the bundle, staged
 * in dist/package/ with a package.json of its own, packed), then
 * `npm install -g --prefix <empty dir> ./clonewarden-<version>.tgz` from an empty folder, so
 * nothing of the checkout (node_modules, tsx, sources) can be picked up.
 */
export function installPackedCli(label: string): InstalledCli {
  const root = mkdtempSync(join(tmpdir(), `clonewarden-${label}-`));
  const prefix = join(root, 'prefix');
  const workDir = join(root, 'work');
  mkdirSync(prefix);
  mkdirSync(workDir);
  const npm = (args: string[], cwd: string) =>
    execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  // --silent: no `> clonewarden@… pack:cli` banner in the JSON that `npm pack --json` prints.
  const packOutput = npm(['run', '--silent', 'pack:cli', '--', '--json', '--pack-destination', root], ROOT);
  const [packed] = JSON.parse(packOutput) as {
    filename: string;
    files: { path: string }[];
  }[];
  if (!packed) throw new Error('npm pack reported no tarball');
  // --prefer-offline: the production dependencies usually sit in npm's cache already.
  npm(['install', '--global', '--prefix', prefix, '--prefer-offline', join(root, packed.filename)], workDir);
  return {
    bin: join(prefix, 'bin', 'clonewarden'),
    packageDir: join(prefix, 'lib', 'node_modules', 'clonewarden'),
    workDir,
    packedFiles: packed.files.map((file) => file.path),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
