import * as z from 'zod/mini';
import { eventNamesOf } from '../events/event-table.js';
import { compileArnGlob } from '../model/arn-glob.js';
import { CREATION_RULE_ACTIONS } from '../model/types.js';
import { principalGlobs } from './option-fields.js';
import { defineRule } from './rule-type.js';

/** The calls that create clones: the ones a principal may be allowed to make. */
const CREATION_EVENT_NAMES = eventNamesOf('creation') as string[] as [string, ...string[]];

const options = () => ({
  /** ARN globs matched on `principal.arn`: the role's IAM ARN for assumed roles, not the session. */
  principals: principalGlobs(),
  /** Limit the rule to these events; all governed events when absent. */
  events: z.optional(
    z
      .array(z.enum(CREATION_EVENT_NAMES))
      .check(
        z.minLength(1, { error: 'list at least one event name, or leave events out to cover them all' }),
      ),
  ),
});

/** Only the listed IAM principals may clone. */
export const allowedPrincipalsRule = defineRule({
  type: 'allowed-principals',
  family: 'creation',
  actions: CREATION_RULE_ACTIONS,
  summary:
    'Only these IAM principals (ARN globs, matched on the role for assumed roles) may create clones, optionally per event.',
  options,
  fixHint: (ids) =>
    `This principal may not make this kind of clone. Use an approved principal (e.g. the platform image pipeline) or ask the security team for an exemption; delete ${ids} if it is not needed.`,
  example: {
    id: 'who-may-clone',
    type: 'allowed-principals',
    severity: 'high',
    action: 'quarantine',
    principals: ['arn:aws:iam::*:role/ImageBuilder*', 'arn:aws:iam::*:role/Platform*'],
    events: ['CreateImage', 'CopyImage'],
  },
  evaluate(opts, input) {
    const { event } = input;
    if (opts.events && !(opts.events as readonly string[]).includes(event.eventName))
      return { violations: [] };
    if (input.callerIsTrustedService) return { violations: [] };
    if (event.principal.type === 'Unknown' || event.principal.arn === '') {
      return {
        violations: [],
        unknowns: [
          'the caller is unknown (the clone was found by a scan, not an event): principals not checked',
        ],
      };
    }
    if (opts.principals.some((glob) => compileArnGlob(glob)(event.principal.arn))) return { violations: [] };
    return {
      violations: [
        `${event.principal.arn} may not run ${event.eventName}; allowed: ${opts.principals.join(', ')}`,
      ],
    };
  },
});
