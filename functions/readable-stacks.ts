import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import type middy from '@middy/core';

/**
 * A stack frame's location in a deployed bundle or one of its chunks:
 * `file:///var/task/functions/enforce.mjs:1:23456`.
 */
const BUNDLE_LOCATION = /file:\/\/[^\s()]+?\.mjs:\d+:\d+/g;
/** Causes followed when rewriting an error's stack; a cycle or a deep chain stops here. */
const MAX_CAUSES = 5;

/** Parsed source maps by bundle file; `null` when the file has none (an unbundled run). */
const sourceMaps = new Map<string, SourceMap | null>();

function sourceMapOf(bundleFile: string): SourceMap | null {
  let map = sourceMaps.get(bundleFile);
  if (map === undefined) {
    const mapFile = `${bundleFile}.map`;
    map = existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : null;
    sourceMaps.set(bundleFile, map);
  }
  return map;
}

/**
 * `../../shared/aws/x.ts` → `shared/aws/x.ts`; `…/node_modules/@aws-sdk/x.js` →
 * `node_modules/@aws-sdk/x.js`: the map's sources are relative to the build directory.
 */
function projectPath(source: string): string {
  const path = source.replace(/^[a-z]+:\/\//, '');
  const dependency = path.lastIndexOf('node_modules/');
  return dependency >= 0 ? path.slice(dependency) : path.replace(/^(\.\.?\/)+/, '');
}

/** The source location of one bundle location, or the location unchanged when it has no mapping. */
function sourceLocation(bundleLocation: string): string {
  const [, url, line, column] = /^(.*):(\d+):(\d+)$/.exec(bundleLocation) ?? [];
  if (!url || !line || !column) return bundleLocation;
  const map = sourceMapOf(fileURLToPath(url));
  const entry = map?.findEntry(Number(line) - 1, Number(column) - 1);
  if (!entry || !('originalSource' in entry)) return bundleLocation;
  return `${projectPath(entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
}

/**
 * Rewrites the bundle locations in a stack trace to the TypeScript sources, reading the `.map`
 * shipped next to each bundle file. The maps are read on the first stack mapped, never at import:
 * `--enable-source-maps` parses them at every cold start, and Node 22 cannot map frames of modules
 * loaded before `process.setSourceMapsEnabled(true)`. Frame names stay as V8 reports them
 * (identifiers are minified); the file and line say where. Locations without a map are left alone.
 *
 * @example
 * mapBundleStack('at e (file:///var/task/functions/enforce.mjs:1:23456)')
 * // 'at e (shared/policy/load-policy.ts:27:11)'
 */
export function mapBundleStack(stack: string): string {
  try {
    return stack.replace(BUNDLE_LOCATION, sourceLocation);
  } catch {
    // A stack is only ever made more readable here; an unreadable map leaves it as it was.
    return stack;
  }
}

/** Maps the stack of an error and of its causes, in place. */
export function mapErrorStacks(error: unknown): void {
  let current = error;
  for (let depth = 0; current instanceof Error && depth <= MAX_CAUSES; depth++) {
    if (typeof current.stack === 'string') current.stack = mapBundleStack(current.stack);
    current = current.cause;
  }
}

/**
 * Middy middleware: an error leaving the handler carries source locations, so that the stack the
 * Lambda runtime logs for a failed invocation reads `shared/…/file.ts:line`. Changes nothing else.
 */
export function readableStacks(): middy.MiddlewareObj {
  return {
    onError: function mapFailedInvocationStack(request) {
      mapErrorStacks(request.error);
    },
  };
}
