import { continueAsNew, proxyActivities, setCurrentDetails, sleep, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { FanOutInput } from '../core/case-contract';

type Activities = ReturnType<typeof createActivities>;

const { deliverFanOut } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Between rounds while some cases cannot be reached (their worker or workflow is away). */
const FIRST_PAUSE_MS = 10_000;
const LONGEST_PAUSE_MS = 5 * 60_000;
const MAX_EVENTS_PER_RUN = 1_000;

/**
 * A change recorded for many cases at once (a policy version, a calendar, a new program manager,
 * a leaver's hand-over) reaches every one of them: rounds of delivery, each retried, until no case
 * of the fan-out is waiting. Durable and visible in the Temporal UI; the change itself was
 * committed before this started, so this only ever delivers, never decides.
 */
export async function caseChangeFanOut(input: FanOutInput): Promise<{ cases: number; rounds: number }> {
  let pause = FIRST_PAUSE_MS;
  for (let round = 1; ; round++) {
    const { waiting } = await deliverFanOut(input.fanOutId);
    setCurrentDetails(
      `**${input.what}**\n\n${input.cases - waiting} of ${input.cases} case(s) have it` +
        (waiting ? `; next round in ${Math.round(pause / 1000)} s` : ''),
    );
    if (waiting === 0) return { cases: input.cases, rounds: round };
    if (workflowInfo().historyLength > MAX_EVENTS_PER_RUN)
      await continueAsNew<typeof caseChangeFanOut>(input);
    await sleep(pause, { summary: `${waiting} case(s) still waiting` });
    pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
  }
}
