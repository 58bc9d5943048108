import type { Settings } from '../settings/resolve-settings.js';

/** What each command cannot guarantee when it runs on the tags alone. */
const WITHOUT_LEDGER = {
  prune:
    'prune dates, quarantine ages and "has this clone a verdict" come from the clonewarden: tags, which anyone allowed ec2:CreateTags can change where the deny policy is not deployed',
  replay:
    "the verdicts are not recorded in the ledger, and a copy's lineage comes from its parent's clonewarden: tags, which anyone allowed ec2:CreateTags can change where the deny policy is not deployed",
} as const;

/**
 * One line on stderr when the command runs without clonewarden's ledger, saying what it cannot
 * guarantee then. The deployed functions never run so: they require the table.
 */
export function warnWithoutLedger(settings: Settings, command: keyof typeof WITHOUT_LEDGER): void {
  if (settings.ledgerTable) return;
  process.stderr.write(`warning: CLONEWARDEN_LEDGER_TABLE is not set: ${WITHOUT_LEDGER[command]}.\n`);
}
