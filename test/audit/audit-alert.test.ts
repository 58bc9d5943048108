import { describe, expect, it } from 'vitest';
import { buildAuditAlert, type StoredReport } from '../../shared/audit/audit-alert.js';
import { buildAuditReport } from '../../shared/audit/report/index.js';
import type { AuditRun } from '../../shared/audit/run-audit.js';
import type { ReportLink } from '../../shared/aws/report-store.js';
import { LinkSignerUnavailableError } from '../../shared/model/errors.js';
import { NOW, POLICY, SEEDED_ESTATE } from './report/seeded-estate.js';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:clonewarden-alerts';
const run: AuditRun = {
  report: buildAuditReport(SEEDED_ESTATE, POLICY, NOW),
  records: SEEDED_ESTATE,
  scopes: [
    {
      account: '111122223333',
      region: 'eu-west-1',
      images: 1,
      snapshots: 2,
      sharesChecked: 0,
      sharesUnchecked: 0,
    },
  ],
  failures: [],
};
const SEVEN_DAYS = new Date(NOW.getTime() + 7 * 86_400_000);
const THREE_HOURS = new Date(NOW.getTime() + 3 * 3_600_000);

/** The alert's e-mail text and its machine document for a report behind `link`. */
function alertFor(link: ReportLink) {
  const stored: StoredReport = {
    bucket: 'reports',
    htmlKey: 'audits/a.html',
    jsonKey: 'audits/a.json',
    link,
  };
  const message = JSON.parse(buildAuditAlert(run, stored, TOPIC).Message!);
  return { text: message.email as string, document: JSON.parse(message.sqs).report };
}

describe('Audit alert: the link', () => {
  it("says nothing more than the date when the link signer's key signed it for 7 days", () => {
    // Act
    const { text, document } = alertFor({
      url: 'https://reports.s3.amazonaws.com/audits/a.html?X-Amz-Expires=604800',
      expiresAt: SEVEN_DAYS,
      cappedByCredentials: false,
      signedBy: 'link-signer',
    });

    // Assess
    expect(text).toContain(`The link works until ${SEVEN_DAYS.toISOString()}.\n`);
    expect(text).not.toContain('shorter than 7 days');
    expect(document).toMatchObject({
      signedBy: 'link-signer',
      signerProblem: null,
      cappedByCredentials: false,
    });
  });

  it('gives the true lifetime and why when the link signer failed and the role session signed instead', () => {
    // Prepare
    const problem = new LinkSignerUnavailableError(
      '/clonewarden/prod/signer',
      'the parameter does not exist',
      'create it',
    );

    // Act
    const { text, document } = alertFor({
      url: 'https://reports.s3.amazonaws.com/audits/a.html?X-Amz-Expires=10800',
      expiresAt: THREE_HOURS,
      cappedByCredentials: true,
      signedBy: 'caller',
      signerProblem: problem.message,
    });

    // Assess
    expect(text).toContain(`The link works until ${THREE_HOURS.toISOString()}. That is shorter than 7 days`);
    expect(text).toContain(
      "The link signer could not be used, so the function's own credentials signed it: CLONEWARDEN_AUDIT_LINK_SIGNER_PARAMETER=/clonewarden/prod/signer: the parameter does not exist; fix: create it.",
    );
    expect(document).toMatchObject({ signedBy: 'caller', signerProblem: problem.message });
  });
});
