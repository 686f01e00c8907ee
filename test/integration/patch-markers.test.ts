import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { ASKED_AT_START, PATCHES } from '../../src/workflows/patches';
import { caseSteps } from '../helpers/case-steps';
import { DAY } from '../helpers/clock';
import { testDataConverter } from '../helpers/codec';
import { createTeam } from '../helpers/fixtures';
import { settle } from '../helpers/settle';
import { localActivityMarkers, patchIdsIn, splitAfter, type HistoryJson } from '../helpers/split-history';
import { startTestStack, type TestStack } from '../helpers/stack';
import { workflowBundle } from '../helpers/temporal';

/**
 * A worker that answers a query while a local activity's result waits completes the workflow task
 * early and records the rest in the next one. A case run must replay whatever the timing, so it asks
 * no patch after its first local activity: today's code asks them at its start ('patches-decided-at-start'
 * implies every older one; each newer one is asked right after it).
 * (The stored v15 history cannot show this alone: a patch asked late replays as "no" without a marker.)
 */
describe("a new case's patch markers", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('patch-markers-test');
  });
  afterAll(() => stack?.stop());

  it('when a new case runs through its first reminders, then its history records its patch markers, all before its first local activity, and it replays split after any local activity', async () => {
    const team = await createTeam(stack.db.pool);
    const { caseId } = await caseSteps(stack.api).intake(team);
    await settle(stack, caseId);
    // The initial assessment's steps fire (heads-up, due, overdue, escalation), each followed by a projection.
    await stack.env.sleep(25 * DAY);
    const history = JSON.parse(
      historyToJSON(await stack.env.client.workflow.getHandle(`case-${caseId}`).fetchHistory()),
    ) as HistoryJson;
    const markers = localActivityMarkers(history);
    const sends = history.events.filter((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');

    expect(sends.length).toBeGreaterThanOrEqual(2);
    expect(markers.length).toBeGreaterThan(sends.length);
    // The patches newer than 'patches-decided-at-start' are asked right after it, at the start too.
    expect(patchIdsIn(history)).toEqual([PATCHES.clocksV2, PATCHES.decidedAtStart, ...ASKED_AT_START]);
    expect(patchIdsIn({ events: history.events.slice(0, markers[0]) })).toHaveLength(
      2 + ASKED_AT_START.length,
    );
    const bundle = await workflowBundle();
    for (const index of markers) {
      await Worker.runReplayHistory(
        { workflowBundle: bundle, dataConverter: testDataConverter },
        historyFromJSON(splitAfter(history, index)),
        `split at ${index}`,
      );
    }
  });
});
