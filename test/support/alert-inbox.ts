import type { ReceivedAlert } from '../../scripts/lib/emulator-resources.js';

/** Alerts per CloudTrail event id, read from the `eventId` attribute. */
export function countByEventId(alerts: readonly ReceivedAlert[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const alert of alerts) {
    const id = alert.attributes.eventId ?? alert.document.verdict.eventId;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}
