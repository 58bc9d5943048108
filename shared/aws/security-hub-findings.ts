import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  paginateGetFindings,
} from '@aws-sdk/client-securityhub';
import type { AwsClients } from './clients.js';

/** BatchImportFindings takes at most 100 findings per request (Security Hub API reference). */
const IMPORT_BATCH = 100;
/** GetFindings returns at most 100 per page. */
const FINDINGS_PAGE = 100;

/** A finding Security Hub did not take, with its reason. */
export interface RejectedFinding {
  id: string;
  error: string;
}

/**
 * The home region's Security Hub, as a finding provider with the account's default product
 * ("Using custom product integrations"): findings are imported under
 * `product/<account>/default`, which BatchImportFindings accepts from that account only.
 */
export interface FindingsHub {
  /** Active findings of `generatorId` under `productArn`, whatever their workflow status. */
  activeFindings(productArn: string, generatorId: string): Promise<AwsSecurityFinding[]>;
  /** Creates or replaces findings by Id; returns the ones refused. */
  importFindings(findings: AwsSecurityFinding[]): Promise<RejectedFinding[]>;
}

export class SecurityHubFindings implements FindingsHub {
  readonly #aws: AwsClients;

  constructor(aws: AwsClients) {
    this.#aws = aws;
  }

  async activeFindings(productArn: string, generatorId: string): Promise<AwsSecurityFinding[]> {
    const client = await this.#aws.securityHub();
    const pages = paginateGetFindings(
      { client, pageSize: FINDINGS_PAGE },
      {
        Filters: {
          ProductArn: [{ Value: productArn, Comparison: 'EQUALS' }],
          GeneratorId: [{ Value: generatorId, Comparison: 'EQUALS' }],
          RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
        },
      },
    );
    const found: AwsSecurityFinding[] = [];
    // The filters are checked again here: moto ignores GetFindings filters ("not yet implemented").
    for await (const page of pages)
      for (const finding of page.Findings ?? [])
        if (
          finding.ProductArn === productArn &&
          finding.GeneratorId === generatorId &&
          (finding.RecordState ?? 'ACTIVE') === 'ACTIVE'
        )
          found.push(finding);
    return found;
  }

  async importFindings(findings: AwsSecurityFinding[]): Promise<RejectedFinding[]> {
    const client = await this.#aws.securityHub();
    const rejected: RejectedFinding[] = [];
    for (let start = 0; start < findings.length; start += IMPORT_BATCH) {
      const result = await client.send(
        new BatchImportFindingsCommand({ Findings: findings.slice(start, start + IMPORT_BATCH) }),
      );
      for (const failed of result.FailedFindings ?? [])
        rejected.push({ id: failed.Id ?? '?', error: `${failed.ErrorCode}: ${failed.ErrorMessage}` });
    }
    return rejected;
  }
}
