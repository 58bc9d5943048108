import { readFileSync } from 'node:fs';

/** Replaced by the package version when `scripts/build-cli.mjs` bundles the CLI (esbuild `define`). */
declare const __CLONEWARDEN_VERSION__: string | undefined;

/**
 * The version `clonewarden --version` prints. The bundle has it built in; run from source
 * (tsx, tests) it is read from the repository's package.json, two folders up.
 */
export function cliVersion(): string {
  if (typeof __CLONEWARDEN_VERSION__ === 'string') return __CLONEWARDEN_VERSION__;
  const packageJson = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}
