import {
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { runDigestsNowSignal } from './messages';

type Activities = ReturnType<typeof createActivities>;

const ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  // A digest is never lost: SMTP or database trouble retries until it clears.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
};
const { sendDueDigests, nextDigestRound } = proxyActivities<Activities>(ACTIVITY_OPTIONS);
/** Summaries name each round in the UI's timeline. */
const titled = (summary: string): ActivityOptions => ({ ...ACTIVITY_OPTIONS, summary });

/** Rounds per run before continuing as new: about two months of daily rounds in a few zones. */
const ROUNDS_PER_RUN = 200;

/**
 * The single long-running workflow behind daily and team digests: it sleeps until it is 08:00
 * somewhere a staff member works, runs a digest round for that instant, and asks the round when the
 * next one is due. Each round is keyed per recipient and local date, so nothing is sent twice.
 */
export async function staffDigests(input: { nextRoundAt?: string } = {}): Promise<void> {
  let runNow = false;
  setHandler(runDigestsNowSignal, () => {
    runNow = true;
  });
  let next =
    input.nextRoundAt ??
    (await nextDigestRound.executeWithOptions(titled('Find the next digest round'), [
      new Date(Date.now()).toISOString(),
    ]));
  for (let round = 0; round < ROUNDS_PER_RUN; round++) {
    const wait = Date.parse(next) - Date.now();
    if (wait > 0) await condition(() => runNow, wait, { summary: `Digest round at ${next}` });
    if (runNow) {
      runNow = false;
      await sendDueDigests.executeWithOptions(titled('Send digests now (catch-up round)'), [
        new Date(Date.now()).toISOString(),
        { anyHour: true },
      ]);
      continue;
    }
    next = (await sendDueDigests.executeWithOptions(titled(`Send digest round ${next}`), [next])).nextRoundAt;
  }
  await continueAsNew<typeof staffDigests>({ nextRoundAt: next });
}
