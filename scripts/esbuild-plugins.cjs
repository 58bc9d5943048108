// esbuild plugins for serverless-esbuild (serverless.yml, custom.esbuild.plugins). CommonJS
// because serverless-esbuild loads this file with require().
//
// serverless-esbuild builds each function's entry on its own, all into the one build folder, and
// with `package.individually` it leaves out of a function's zip only the other entries' bundles:
// with code splitting, every function's chunks landed in every zip (9-11 MB each, bench/README.md).
// Giving each entry its own chunk folder lets each function's `package.patterns` leave the other
// folders out; test/packaging/package-and-lint.test.ts proves that every zip holds exactly the
// chunks its entry can import.
const { basename, extname } = require('node:path');

/** Writes an entry's chunks to `chunks/<entry>/` rather than the `chunks/` all entries share. */
const chunkFolderPerEntry = {
  name: 'chunk-folder-per-entry',
  setup(build) {
    const { entryPoints, chunkNames } = build.initialOptions;
    if (!Array.isArray(entryPoints) || entryPoints.length !== 1 || typeof entryPoints[0] !== 'string') {
      throw new Error('chunk-folder-per-entry: expects one entry point per build (serverless-esbuild)');
    }
    if (!chunkNames?.startsWith('chunks/')) {
      throw new Error(`chunk-folder-per-entry: expects chunkNames under chunks/, got ${chunkNames}`);
    }
    const entry = basename(entryPoints[0], extname(entryPoints[0]));
    // Options changed in setup() apply to this build (https://esbuild.github.io/plugins/#build-options).
    build.initialOptions.chunkNames = chunkNames.replace(/^chunks\//, `chunks/${entry}/`);
  },
};

module.exports = [chunkFolderPerEntry];
