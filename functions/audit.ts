import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createAuditContext } from '../shared/audit/create-audit-context.js';
import { deliverAudit } from '../shared/audit/deliver-audit.js';
import { runAudit } from '../shared/audit/run-audit.js';
import { resolveRegion } from '../shared/aws/aws-config.js';
import { createAwsClients } from '../shared/aws/clients.js';
import { SsmReportLinkSigner } from '../shared/aws/report-link-signer.js';
import { S3ReportStore } from '../shared/aws/report-store.js';
import { SnsAlertPublisher } from '../shared/aws/sns-alert-publisher.js';
import { UsageError } from '../shared/model/errors.js';
import { resolveSettings } from '../shared/settings/resolve-settings.js';
import { CountedMetrics } from './counted-metrics.js';
import { readableStacks } from './readable-stacks.js';

const logger = new Logger({ serviceName: 'clonewarden' });
const metrics = new CountedMetrics({ namespace: 'clonewarden', serviceName: 'clonewarden' });
// Lambda always sets AWS_REGION: the function audits from the region it is deployed to.
// Organization mode (CLONEWARDEN_MEMBER_ROLE): every account of the organization, through that role.
const { memberRole, auditLinkSignerParameter } = resolveSettings();
const aws = createAwsClients({
  region: await resolveRegion(),
  ...(memberRole ? { memberRole, memberSession: { kind: 'function', function: 'audit' } } : {}),
});
// Opt-in (docs/audit.md, "A link that lives 7 days"): the key is read once per container.
const linkSigner = auditLinkSignerParameter
  ? new SsmReportLinkSigner(aws, auditLinkSignerParameter)
  : undefined;

/**
 * What the weekly run returns (and logs): the figures, where the report is, what failed. Not
 * the presigned URL: it is a bearer link, and the logs have more readers than the topic.
 */
export interface AuditResult {
  totals: Record<string, number>;
  report: {
    html: string;
    json: string;
    linkExpiresAt: string;
    cappedByCredentials: boolean;
    linkSignedBy: 'link-signer' | 'caller';
    /** Why the configured link signer was not used; the message holds no key. */
    linkSignerProblem?: string;
  };
  securityHub?: unknown;
  failures: { step: string; error: string }[];
  apiCalls: Record<string, number>;
}

/** `arn:aws:lambda:<region>:<account>:function:<name>`: the account, without an STS call. */
const accountOf = (context?: Context) => context?.invokedFunctionArn?.split(':')[4] ?? '';

/**
 * The raw handler, which the tests call: one audit of the account's configured regions (of every
 * account of the organization in organization mode), the HTML and JSON written to the report
 * bucket, one alert with a presigned link.
 */
export async function audit(_event: unknown, context?: Context): Promise<AuditResult> {
  aws.counter.reset();
  const settings = resolveSettings();
  if (!settings.reportBucket) throw new UsageError('CLONEWARDEN_REPORT_BUCKET is not set');
  const auditContext = await createAuditContext({
    settings,
    aws,
    account: accountOf(context),
    log: logger,
    metrics,
  });
  const run = await runAudit(auditContext);
  const topicArn = settings.topicArn ?? auditContext.policy.alerts.topicArn;
  const stored = await deliverAudit(run, {
    store: new S3ReportStore(aws, settings.reportBucket, linkSigner),
    alerts: new SnsAlertPublisher(aws),
    ...(topicArn ? { topicArn } : {}),
    now: auditContext.now(),
  });
  const result: AuditResult = {
    totals: run.report.totals,
    report: {
      html: `s3://${stored.bucket}/${stored.htmlKey}`,
      json: `s3://${stored.bucket}/${stored.jsonKey}`,
      linkExpiresAt: stored.link.expiresAt.toISOString(),
      cappedByCredentials: stored.link.cappedByCredentials,
      linkSignedBy: stored.link.signedBy,
      ...(stored.link.signerProblem ? { linkSignerProblem: stored.link.signerProblem } : {}),
    },
    ...(run.securityHub ? { securityHub: run.securityHub } : {}),
    failures: run.failures,
    apiCalls: aws.counter.snapshot(),
  };
  if (stored.link.signerProblem)
    logger.warn('audit link signer unavailable', { problem: stored.link.signerProblem });
  logger.info('audit report', { result });
  return result;
}

/** The wrapped handler, which Lambda calls on its weekly schedule. */
export const handler = middy(audit)
  .use(readableStacks())
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
