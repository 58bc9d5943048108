import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
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
  /** The clean copy of the repository `npm pack` ran in (its dist/ holds the build). */
  sourceDir: string;
  /** The paths `npm pack` put in the tarball. */
  packedFiles: string[];
  remove(): void;
}

/**
 * The repository's files as a fresh clone would hold them, with the working tree's edits:
 * what git tracks or would track (not ignored), so no build output of the checkout (dist/)
 * can end up in the tarball. node_modules is linked, not copied: `npm pack` installs nothing.
 */
function copyRepository(into: string): void {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  for (const file of new Set(listed.split('\0'))) {
    // A file deleted in the working tree is still listed by --cached.
    if (file === '' || !existsSync(join(ROOT, file))) continue;
    cpSync(join(ROOT, file), join(into, file), { recursive: true });
  }
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(into, 'node_modules'), 'dir');
}

/**
 * Installs the CLI the way the README tells a team to: `npm pack` in a clean copy of the
 * repository (its `prepack` builds the bundle), then
 * `npm install -g --prefix <empty dir> ./clonewarden-<version>.tgz` from an empty folder, so
 * nothing of the checkout (node_modules, tsx, sources) can be picked up.
 */
export function installPackedCli(label: string): InstalledCli {
  const root = mkdtempSync(join(tmpdir(), `clonewarden-${label}-`));
  const [sourceDir, prefix, workDir] = ['source', 'prefix', 'work'].map((dir) => join(root, dir)) as [
    string,
    string,
    string,
  ];
  for (const dir of [sourceDir, prefix, workDir]) mkdirSync(dir);
  copyRepository(sourceDir);
  const npm = (args: string[], cwd: string) =>
    execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  // `npm pack --json` prints only the JSON on stdout; the prepack build talks on stderr.
  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', root], sourceDir)) as {
    filename: string;
    files: { path: string }[];
  }[];
  if (!packed) throw new Error('npm pack reported no tarball');
  // --prefer-offline: nothing should be fetched (the package declares no dependency), but if
  // something were, npm's cache is tried first.
  npm(['install', '--global', '--prefix', prefix, '--prefer-offline', join(root, packed.filename)], workDir);
  return {
    bin: join(prefix, 'bin', 'clonewarden'),
    packageDir: join(prefix, 'lib', 'node_modules', 'clonewarden'),
    workDir,
    sourceDir,
    packedFiles: packed.files.map((file) => file.path),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
