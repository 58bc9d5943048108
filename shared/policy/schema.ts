import * as z from 'zod';
import { AWS_REGION_NAME } from '../model/aws-region.js';
import { SEVERITIES } from '../model/severity.js';
import { type CloneKind, RULE_ACTIONS } from '../model/types.js';
import {
  accountId,
  isoDate,
  positiveInteger,
  principalGlob,
  principalGlobs,
} from '../rules/option-fields.js';
import { RULE_TYPE_NAMES, RULE_TYPES } from '../rules/registry.js';
import type { RuleType } from '../rules/rule-type.js';
import { suggestion } from './did-you-mean.js';

/**
 * The policy file's schema, generated from the rule registry: each rule entry is the common
 * fields merged with its type's own options, strict, and discriminated on `type`.
 */

const CLONE_KINDS = ['image', 'snapshot'] as const satisfies readonly CloneKind[];

/**
 * Callers whose clones are app-consistent by design: AWS Backup, Data Lifecycle Manager and
 * EC2 Image Builder, by service principal and by their service-linked or default role.
 */
export const DEFAULT_TRUSTED_SERVICES = [
  'backup.amazonaws.com',
  'dlm.amazonaws.com',
  'imagebuilder.amazonaws.com',
  'arn:aws:iam::*:role/aws-service-role/backup.amazonaws.com/*',
  'arn:aws:iam::*:role/aws-service-role/imagebuilder.amazonaws.com/*',
  'arn:aws:iam::*:role/aws-service-role/dlm.amazonaws.com/*',
  'arn:aws:iam::*:role/service-role/AWSDataLifecycleManagerDefaultRole*',
] as const;

/** Rule ids end up in the `clonewarden:violations` tag, so they keep to tag-safe characters. */
const ruleId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
  error: (issue) =>
    `expected an id of letters, digits, ".", "_" or "-" (at most 64, starting with a letter or digit), got ${JSON.stringify(issue.input)}`,
});

/** The fields every rule entry has, whatever its type. */
export const RULE_COMMON_FIELDS = {
  id: ruleId,
  severity: z.enum(SEVERITIES),
  action: z.enum(RULE_ACTIONS),
  resources: z
    .array(z.enum(CLONE_KINDS))
    .min(1, { error: 'list image, snapshot or both; leave resources out for both' })
    .default(() => [...CLONE_KINDS]),
};

type RuleEntryShape<Options extends z.ZodRawShape> = typeof RULE_COMMON_FIELDS & {
  type: z.ZodLiteral<string>;
} & Options;
type RuleEntrySchema<R> =
  R extends RuleType<infer Options> ? z.ZodObject<RuleEntryShape<Options>, z.core.$strict> : never;
/** Homomorphic over a type parameter, so that the registry tuple maps to a tuple. */
type RuleEntrySchemas<Rules extends readonly unknown[]> = {
  -readonly [K in keyof Rules]: RuleEntrySchema<Rules[K]>;
};

function ruleEntrySchema(rule: RuleType) {
  const { id, ...rest } = RULE_COMMON_FIELDS;
  const common = { id, type: z.literal(rule.type), ...rest, action: z.enum(rule.actions) };
  // Common fields first for key order in messages, and again last so that no rule's options can redefine them.
  return z.strictObject({ ...common, ...rule.options, ...common });
}

const knownTypes = `known types: ${RULE_TYPE_NAMES.join(', ')}`;

/** One rule entry of any registered type. */
const RuleConfigSchema = z.discriminatedUnion(
  'type',
  RULE_TYPES.map((rule) => ruleEntrySchema(rule)) as unknown as RuleEntrySchemas<typeof RULE_TYPES>,
  {
    error: (issue) => {
      if (issue.code !== 'invalid_union')
        return 'expected a rule: a mapping with id, type, severity and action';
      const type = (issue.input as { type?: unknown } | undefined)?.type;
      if (type === undefined) return `missing; set type to one of: ${RULE_TYPE_NAMES.join(', ')}`;
      if (typeof type !== 'string')
        return `expected a rule type name, got ${JSON.stringify(type)}; ${knownTypes}`;
      return `unknown rule type "${type}"${suggestion(type, RULE_TYPE_NAMES)}; ${knownTypes}`;
    },
  },
);

const snsTopicArn = z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/, {
  error: (issue) =>
    `expected an SNS topic ARN such as arn:aws:sns:us-east-1:111122223333:clonewarden-alerts, got ${JSON.stringify(issue.input)}`,
});

const cloneId = z.string().regex(/^(ami|snap)-[0-9a-f]{8,17}$/, {
  error: (issue) => `expected an image or snapshot id (ami-… or snap-…), got ${JSON.stringify(issue.input)}`,
});

const exemptionObject = z
  .strictObject({
    principals: z.optional(principalGlobs()),
    resources: z.array(cloneId).min(1, { error: 'list at least one ami-… or snap-… id' }).optional(),
    reason: z
      .string({
        error: (issue) =>
          issue.input === undefined ? 'missing; give a reason: exemptions are reviewed by people' : undefined,
      })
      .refine((reason) => reason.trim() !== '', {
        error: 'give a reason: exemptions are reviewed by people',
      }),
    expires: z.optional(isoDate()),
  })
  .superRefine(
    (exemption, ctx) => {
      // Runs even when other fields failed, so that every problem is reported in one pass.
      if (typeof exemption !== 'object' || exemption === null) return;
      const hasPrincipals = exemption.principals !== undefined;
      const hasResources = exemption.resources !== undefined;
      if (hasPrincipals === hasResources) {
        ctx.addIssue({
          code: 'custom',
          input: exemption,
          message: hasPrincipals
            ? 'give principals or resources, not both; split it into two exemptions'
            : 'give the principals (ARN globs) or the resources (ami-…/snap-… ids) it exempts',
        });
      }
    },
    { when: () => true },
  );

interface ExemptionBase {
  reason: string;
  /** `YYYY-MM-DD` or ISO 8601; the exemption lapses after it. */
  expires?: string;
}
/** An exemption by caller (ARN globs) or by clone id: exactly one of the two. */
export type Exemption =
  | (ExemptionBase & { principals: string[] })
  | (ExemptionBase & { resources: string[] });

/** The output type is narrowed to the union the refinement guarantees. */
const ExemptionSchema = exemptionObject as unknown as z.ZodType<Exemption, z.input<typeof exemptionObject>>;

/** Keys the enforcer writes can not double as the expiry tag: a developer could not set them. */
const expiryTagKey = z
  .string()
  .min(1)
  .max(128)
  .refine((key) => !/^(aws|clonewarden):/i.test(key), {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is a reserved tag key; use a key of your own such as Expiry`,
  });

const pruneSchema = z
  .strictObject({
    dryRun: z.boolean().default(true),
    graceDays: z._default(positiveInteger(), 7),
    expiryTag: expiryTagKey.default('Expiry'),
    maxAgeDays: z
      .strictObject({ image: z.optional(positiveInteger()), snapshot: z.optional(positiveInteger()) })
      .prefault({}),
    maxQuarantineDays: z.optional(positiveInteger()),
    pricePerGbMonth: z.number().nonnegative().default(0.05),
  })
  .prefault({});

const awsRegion = z.string().regex(AWS_REGION_NAME, {
  error: (issue) => `expected an AWS region such as eu-west-1, got ${JSON.stringify(issue.input)}`,
});

/** `clonewarden audit` and the weekly audit function (docs/audit.md). */
const auditSchema = z
  .strictObject({
    /** Regions to read besides the home region; empty: the home region only. */
    regions: z.array(awsRegion).default(() => []),
    /** The organisation's accounts: a share with any other account is a foreign share. */
    organizationAccounts: z.array(accountId()).default(() => []),
    /** Share look-ups per region (one Describe…Attribute call per clone); the rest are reported unchecked. */
    shareChecks: z.number().int().nonnegative().default(2000),
    securityHub: z.strictObject({ enabled: z.boolean().default(false) }).prefault({}),
  })
  .prefault({});

/**
 * Reports a duplicate rule id in one list. Runs even when some entries failed: a duplicate id is
 * worth reporting in the same pass.
 */
function uniqueRuleIds(rules: unknown, ctx: z.RefinementCtx): void {
  if (!Array.isArray(rules)) return;
  const firstIndex = new Map<string, number>();
  rules.forEach((rule, index) => {
    const id = (rule as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'string') return;
    const first = firstIndex.get(id);
    if (first === undefined) firstIndex.set(id, index);
    else {
      ctx.addIssue({
        code: 'custom',
        path: [index, 'id'],
        input: id,
        message: `duplicate rule id "${id}" (also rules[${first}]); ids must be unique`,
      });
    }
  });
}

/**
 * An override's scope: an organizational unit id (`ou-` root id `-` suffix, ListParents' Id
 * pattern in the Organizations API reference) or a 12-digit account id.
 */
export const SCOPE_ID = /^(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|\d{12})$/;

const scopeId = z.string().regex(SCOPE_ID, {
  error: (issue) =>
    `expected an OU id (ou-abcd-12345678) or a 12-digit account id as the key, got ${JSON.stringify(issue.input)}`,
});

/**
 * What one scope changes (docs/policy.md, "Overrides per OU or account"): `rules` replace the rule
 * in force with the same id or are appended, `removeRules` drop rules in force, `exemptions` are
 * appended, `dryRun` and the `alerts` keys given replace. Everything else is the hub's alone.
 */
const OverrideSchema = z.strictObject({
  description: z.string().max(500).optional(),
  dryRun: z.boolean().optional(),
  alerts: z
    .strictObject({
      minSeverity: z.enum(SEVERITIES).optional(),
      failedImages: z.enum(SEVERITIES).optional(),
    })
    .optional(),
  rules: z
    .array(RuleConfigSchema)
    .superRefine(uniqueRuleIds, { when: () => true })
    .optional(),
  removeRules: z
    .array(ruleId)
    .min(1, { error: 'list the ids of the rules to remove, or leave it out' })
    .optional(),
  exemptions: z.array(ExemptionSchema).optional(),
});

/** One scope's override, as validated. */
export type PolicyOverride = z.output<typeof OverrideSchema>;

/**
 * Cross-checks of the overrides: a removed rule must exist somewhere (else it is a typo that
 * leaves a rule in force), and one override may not both replace and remove a rule.
 */
function checkOverrides(
  policy: { rules?: unknown; overrides?: Record<string, PolicyOverride> },
  ctx: z.RefinementCtx,
): void {
  const overrides = Object.entries(policy.overrides ?? {});
  const ids = new Set<string>();
  for (const rules of [policy.rules, ...overrides.map(([, o]) => o?.rules)]) {
    if (Array.isArray(rules)) for (const rule of rules) if (typeof rule?.id === 'string') ids.add(rule.id);
  }
  for (const [scope, override] of overrides) {
    const replaced = new Set((override?.rules ?? []).map((rule) => rule.id));
    (override?.removeRules ?? []).forEach((id, index) => {
      const problem = !ids.has(id)
        ? `no rule has id "${id}" (in rules or any override)`
        : replaced.has(id)
          ? `"${id}" is both in this override's rules and removed by it; keep one`
          : undefined;
      if (problem)
        ctx.addIssue({
          code: 'custom',
          path: ['overrides', scope, 'removeRules', index],
          input: id,
          message: problem,
        });
    });
  }
}

/** The whole policy file. Parse with `parsePolicy`/`loadPolicy` for messages with line numbers. */
export const PolicySchema = z
  .strictObject({
    version: z.literal(1, {
      error: (issue) =>
        issue.input === undefined
          ? 'missing; start the file with version: 1'
          : `unsupported version ${JSON.stringify(issue.input)}; the only policy format is version: 1`,
    }),
    dryRun: z.boolean().default(false),
    alerts: z
      .strictObject({
        topicArn: snsTopicArn.optional(),
        minSeverity: z.enum(SEVERITIES).default('low'),
        /** Send the `https` protocol an AWS Chatbot custom notification (docs/alerts.md). */
        chatbot: z.boolean().optional(),
        /**
         * Alert, at this severity, when an image fails to become available (EC2's `EC2 AMI State
         * Change` event with state `failed`). Left out: the failure is recorded, not alerted.
         */
        failedImages: z.enum(SEVERITIES).optional(),
      })
      .prefault({}),
    rules: z
      .array(RuleConfigSchema, {
        error: (issue) =>
          issue.input === undefined ? 'missing; list the rules (rules: [] for none)' : undefined,
      })
      .superRefine(uniqueRuleIds, { when: () => true }),
    exemptions: z.array(ExemptionSchema).default(() => []),
    trustedServices: z.array(principalGlob()).default(() => [...DEFAULT_TRUSTED_SERVICES]),
    prune: pruneSchema,
    /** Days the ledger keeps a deleted clone's item for the audit (default 400, `LEDGER_RETENTION_DAYS`). */
    ledgerRetentionDays: z.optional(positiveInteger()),
    audit: auditSchema,
    /** Per OU id or account id: what changes there (see {@link effectivePolicy}). */
    overrides: z.record(scopeId, OverrideSchema).default(() => ({})),
  })
  .superRefine(checkOverrides);

/** A validated policy, defaults filled in. */
export type Policy = z.output<typeof PolicySchema>;
/** One validated rule entry: common fields plus its type's options. */
export type RuleConfig = z.output<typeof RuleConfigSchema>;

/** JSON Schema of the policy file (as written, before defaults) for editors' YAML language servers. */
export function policyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(PolicySchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
