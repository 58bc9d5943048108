#!/usr/bin/env node
// The `clonewarden` command. It runs the bundle `npm run build:cli` writes to dist/cli/ (and
// `npm pack` builds and ships): plain JavaScript with no dependency to resolve, each command
// loaded only when it runs. In a developer checkout with no bundle it falls back to the TypeScript sources
// through tsx (a dev dependency, so only there); CLONEWARDEN_FROM_SOURCE=1 forces that, for a
// checkout whose bundle may be older than the sources.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/cli/main.js', import.meta.url);
const fromSource = process.env.CLONEWARDEN_FROM_SOURCE === '1' || !existsSync(bundle);

async function loadMain() {
  if (!fromSource) return (await import(bundle.href)).main;
  const { register } = await import('tsx/esm/api').catch(() => {
    process.stderr.write(
      'clonewarden: no bundle in dist/cli/ and no tsx to run the sources: run `npm run build:cli`\n',
    );
    process.exit(1);
  });
  register();
  return (await import('../shared/cli/main.ts')).main;
}

const main = await loadMain();
process.exitCode = await main(process.argv.slice(2));
