#!/usr/bin/env node
// The `clonewarden` command. It runs the TypeScript sources through tsx, so that the CLI and
// the Lambda functions share one code base with no build step. `npx clonewarden` puts the
// project's Node 22 (from the `node` dev dependency) first on PATH.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../shared/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
