import { proxyActivities, sleep } from '@temporalio/workflow';
import type { BaselineActivities, BaselineReminder } from './activities';

// The case workflow's activity options (src/workflows/case-activities.ts), so retries behave alike.
const { sendBaselineReminder } = proxyActivities<BaselineActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** The least a reminder can be on Temporal: sleep to the due time, then one activity that sends it. */
export async function baselineReminder(reminder: BaselineReminder): Promise<void> {
  await sleep(Math.max(0, Date.parse(reminder.scheduledFor) - Date.now()));
  await sendBaselineReminder(reminder);
}
