#!/usr/bin/env node
// Builds the installable `clonewarden` CLI: `dist/cli/main.js` plus one chunk per command
// (esbuild code splitting), so that `--help` and `validate` never load the AWS SDK that
// replay, prune and release need. The bundle carries every library it runs, so the package
// declares no dependency (package.json lists them all as devDependencies: the Lambda functions
// are bundled too) and `npm install -g ./clonewarden-<version>.tgz` installs that one package.
// `npm pack` runs this first (`prepack`) and packs what package.json `files` names: bin/ and
// dist/cli/. `npm run build:cli` runs only this. Plain JavaScript: no tsx.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = resolve(ROOT, 'dist/cli');
const { version } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8'));

// Stale chunks from an earlier build would otherwise be packed alongside the new ones.
rmSync(OUT_DIR, { recursive: true, force: true });

const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { main: 'shared/cli/main.ts' },
  outdir: OUT_DIR,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  // The package's `engines` floor: the bundle must run on Node 20 as well as 22.
  target: 'node20',
  mainFields: ['module', 'main'],
  minify: true,
  // Linked maps ship next to the chunks but cost nothing unless asked for: a stack trace from
  // a minified bundle is unreadable, and NODE_OPTIONS=--enable-source-maps makes it readable.
  sourcemap: 'linked',
  // Third-party licence comments stay, gathered at the end of each file.
  legalComments: 'eof',
  chunkNames: 'chunks/[name]-[hash]',
  define: { __CLONEWARDEN_VERSION__: JSON.stringify(version) },
  // ESM output has no `require`; bundled CommonJS dependencies that call require('node:…')
  // need one (the same banner as the functions in serverless.yml).
  banner: {
    js: "import { createRequire as __clonewardenCreateRequire } from 'node:module'; const require = __clonewardenCreateRequire(import.meta.url);",
  },
  metafile: true,
  logLevel: 'warning',
});

// What each output imports, statically or lazily: the packaging test reads it to prove that
// `--help` and `validate` reach no AWS SDK module. Not shipped (outside dist/cli/).
writeFileSync(resolve(ROOT, 'dist/cli-metafile.json'), JSON.stringify(result.metafile));
// Anything the bundle left as an import other than Node's own modules would need a dependency.
const unbundled = new Set(
  Object.values(result.metafile.outputs)
    .flatMap((output) => output.imports)
    .filter((entry) => entry.external && !isNodeBuiltin(entry.path))
    .map((entry) => entry.path),
);
if (unbundled.size > 0) {
  console.error(`build-cli: the bundle imports packages it does not carry: ${[...unbundled].join(', ')}`);
  process.exit(1);
}

const bytes = Object.entries(result.metafile.outputs)
  .filter(([file]) => file.endsWith('.js'))
  .reduce((sum, [, output]) => sum + output.bytes, 0);
console.error(
  `build-cli: dist/cli/ (clonewarden ${version}, ${bytes.toLocaleString('en')} bytes of JavaScript, no dependencies)`,
);

function isNodeBuiltin(path) {
  return path.startsWith('node:') || builtinModules.includes(path);
}
