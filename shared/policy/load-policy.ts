import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, stringify } from 'yaml';
import type * as z from 'zod';
import {
  $ZodArray,
  $ZodDefault,
  $ZodDiscriminatedUnion,
  type $ZodLiteral,
  $ZodObject,
  $ZodOptional,
  $ZodPrefault,
  $ZodRecord,
} from 'zod/v4/core';
import type { AwsClients } from '../aws/clients.js';
import { policyDocumentReader, policyReadError } from '../aws/policy-documents.js';
import { PolicyValidationError } from '../model/errors.js';
import { RULE_TYPES } from '../rules/registry.js';
import { policyLocation } from '../settings/environment.js';
import { suggestion } from './did-you-mean.js';
import { policyWarnings } from './policy-warnings.js';
import { type Policy, PolicySchema } from './schema.js';

type Path = readonly PropertyKey[];

/**
 * Parses and validates a policy file's text.
 * Every problem is one line, `path.in[2].file: what is wrong and how to fix it (line N)`.
 *
 * @example
 * const policy = parsePolicy(await readFile('clonewarden.yml', 'utf8'), 'clonewarden.yml');
 */
export function parsePolicy(yamlText: string, fileName = 'policy'): Policy {
  return parsePolicyDocument(yamlText, fileName).policy;
}

/** A valid policy with the YAML it came from, to give findings about it their line numbers. */
interface ParsedPolicy {
  policy: Policy;
  /** The line of the deepest node on `path`, as for validation problems. */
  lineOf(path: Path): number | undefined;
}

function parsePolicyDocument(yamlText: string, fileName: string): ParsedPolicy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false });
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;

  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) =>
      withLine(`YAML syntax: ${firstLine(error.message)}`, lineOf(error.pos[0])),
    );
    throw new PolicyValidationError(`${fileName} is not valid YAML`, problems);
  }
  if (doc.contents === null) {
    throw new PolicyValidationError(`${fileName} is empty`, [
      '(top level): the file is empty; start it with version: 1',
    ]);
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // Alias bombs ("billion laughs") and the like: refuse rather than expand.
    throw new PolicyValidationError(
      `${fileName} could not be read as data`,
      [`(top level): ${(error as Error).message}`],
      {
        cause: error,
      },
    );
  }

  const result = PolicySchema.safeParse(data, { error: plainMessage });
  if (result.success) {
    return { policy: result.data, lineOf: (path) => lineOf(offsetOf(doc.contents, path)) };
  }

  const problems = result.error.issues
    .flatMap((issue) => explainIssue(issue, data))
    .map(({ path, message }) => ({
      line: lineOf(offsetOf(doc.contents, path)),
      text: `${formatPath(path)}: ${message}`,
    }))
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
    .map(({ line, text }) => withLine(text, line));
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  throw new PolicyValidationError(`${fileName} is not a valid clonewarden policy (${count})`, problems);
}

/**
 * Reads and validates the policy at `path`: a file, `s3://bucket/key` or `ssm:/name` (read with
 * `aws`, or with the default credentials and region when not given).
 * A missing file is a `PolicyValidationError` that says how to point clonewarden at the right one.
 */
export async function loadPolicy(path: string, aws?: AwsClients): Promise<Policy> {
  return parsePolicy(await readPolicyText(path, aws), path);
}

/**
 * Reads and validates the policy at `path`, then lists what in it can never take effect (see
 * `policyWarnings`), each as `path.in.file: why (line N)`. For `clonewarden validate`.
 */
export async function checkPolicyFile(
  path: string,
  now: Date,
  aws?: AwsClients,
): Promise<{ policy: Policy; warnings: string[] }> {
  const { policy, lineOf } = parsePolicyDocument(await readPolicyText(path, aws), path);
  const warnings = policyWarnings(policy, now)
    .map((warning) => ({
      line: lineOf(warning.path),
      text: `${formatPath(warning.path)}: ${warning.message}`,
    }))
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
    .map(({ line, text }) => withLine(text, line));
  return { policy, warnings };
}

async function readPolicyText(path: string, aws?: AwsClients): Promise<string> {
  const location = policyLocation(path);
  if (location && location.kind !== 'file') {
    const reader = policyDocumentReader(aws ?? (await clientsForPolicy()), location);
    try {
      return (await reader.read()).text;
    } catch (error) {
      if (error instanceof PolicyValidationError) throw error;
      throw policyReadError(reader.origin, error);
    }
  }
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'policy file not found' : `cannot read policy file (${code ?? 'error'})`;
    throw new PolicyValidationError(
      `${what}: ${path}; give the path with --policy <file> or the CLONEWARDEN_POLICY environment variable`,
      [],
      { cause: error },
    );
  }
}

/** The registered rule types with their summaries and a complete example each, for `validate --help`. */
export function describeRuleTypes(): string {
  return RULE_TYPES.map((rule) => {
    const example = stringify([rule.example], { lineWidth: 0 }).trimEnd().replace(/^/gm, '    ');
    return `${rule.type}\n  ${rule.summary}\n  example:\n${example}`;
  }).join('\n\n');
}

function withLine(text: string, line: number | undefined): string {
  return line === undefined ? text : `${text} (line ${line})`;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** `rules[2].tags.Owner`, with keys that are not plain words quoted: `tags["cost center"]`. */
function formatPath(path: Path): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      const key = String(segment);
      if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return index === 0 ? key : `.${key}`;
      return `[${JSON.stringify(key)}]`;
    })
    .join('');
}

/**
 * The offset of the deepest node on `path` in the YAML document: the key for a mapping entry
 * (so that `tags.Owner:` points at the key even when its value is on the next line), the item
 * for a list entry, the nearest existing parent for a missing key.
 */
function offsetOf(root: unknown, path: Path): number | undefined {
  let node = root as Node | null | undefined;
  let offset = node?.range?.[0];
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

/** One zod issue as one or more `{ path, message }` problems (one per unknown key). */
function explainIssue(issue: z.core.$ZodIssue, data: unknown): { path: Path; message: string }[] {
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(issue.path, data);
    return issue.keys.map((key) => ({
      path: [...issue.path, key],
      message: `unknown key${allowed ? `${suggestion(key, allowed)}; allowed here: ${allowed.join(', ')}` : ''}`,
    }));
  }
  if (issue.code === 'invalid_key') {
    return issue.issues.map((inner) => ({ path: issue.path, message: inner.message }));
  }
  return [{ path: issue.path, message: issue.message }];
}

/** Plain-English messages for zod's generic issues; schema-specific messages take precedence. */
function plainMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `missing; expected ${describeExpected(issue.expected)}`;
      return `expected ${describeExpected(issue.expected)}, got ${describeValue(issue.input)}`;
    case 'invalid_value': {
      const values = issue.values.map(String);
      if (issue.input === undefined) return `missing; expected one of ${values.join(', ')}`;
      const given = String(issue.input);
      return `expected one of ${values.join(', ')}, got ${describeValue(issue.input)}${suggestion(given, values)}`;
    }
    case 'too_small':
      if (issue.origin === 'array') return 'must not be empty';
      if (issue.origin === 'string') return 'must not be empty';
      return `must be ${issue.inclusive ? 'at least' : 'greater than'} ${String(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'string') return `must be at most ${String(issue.maximum)} characters`;
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}`;
    default:
      return undefined;
  }
}

function describeExpected(expected: string): string {
  const names: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
    array: 'a list',
    object: 'a mapping (key: value)',
    record: 'a mapping (key: value)',
  };
  return names[expected] ?? expected;
}

function describeValue(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

/**
 * The keys the schema allows at `path`, for "did you mean" and "allowed here" hints. Walked by
 * zod's core classes, which `zod` and `zod/mini` schemas share: rule options are built with
 * `zod/mini` (see shared/model/zod-english.ts), the policy around them with `zod`. Imported by
 * name: `z.core.…` at run time would keep every zod locale in the functions' bundles.
 */
function allowedKeysAt(path: Path, data: unknown): string[] | undefined {
  let schema: unknown = PolicySchema;
  let value: unknown = data;
  for (let index = 0; ; index++) {
    schema = unwrap(schema, value);
    if (index === path.length) {
      return schema instanceof $ZodObject ? Object.keys(schema._zod.def.shape) : undefined;
    }
    const segment = path[index];
    if (schema instanceof $ZodObject) schema = schema._zod.def.shape[String(segment)];
    else if (schema instanceof $ZodArray) schema = schema._zod.def.element;
    else if (schema instanceof $ZodRecord) schema = schema._zod.def.valueType;
    else return undefined;
    value = (value as Record<PropertyKey, unknown> | undefined)?.[segment as string];
  }
}

/** Looks through defaults and optionals, and picks a discriminated union's option by `value`. */
function unwrap(schema: unknown, value: unknown): unknown {
  let current = schema;
  for (;;) {
    if (
      current instanceof $ZodDefault ||
      current instanceof $ZodPrefault ||
      current instanceof $ZodOptional
    ) {
      current = current._zod.def.innerType;
    } else if (current instanceof $ZodDiscriminatedUnion) {
      const type = (value as { type?: unknown } | undefined)?.type;
      return current._zod.def.options.find(
        (option) =>
          option instanceof $ZodObject &&
          (option._zod.def.shape.type as $ZodLiteral)._zod.def.values[0] === type,
      );
    } else {
      return current;
    }
  }
}

/**
 * Clients for a policy kept in S3 or SSM when the caller has none (`validate`), loaded only then:
 * a policy file on disk never loads the AWS SDK (the CLI's `validate` stays fast).
 */
async function clientsForPolicy(): Promise<AwsClients> {
  const [{ resolveRegion }, { createAwsClients }] = await Promise.all([
    import('../aws/aws-config.js'),
    import('../aws/clients.js'),
  ]);
  return createAwsClients({ region: await resolveRegion() });
}
