import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import type { createActivities } from '../../src/activities';
import { PATCHES } from '../../src/workflows/case-lifecycle';
import * as v1 from '../../src/workflows/legacy/v1-contract';
import * as today from '../../src/workflows/messages';
import { SA } from '../../src/workflows/search-attributes';
import { releaseOffsetMinutes } from '../../src/core/release-spread';
import { testDataConverter } from '../helpers/codec';
import { workflowBundle } from '../helpers/temporal';
import { localActivityMarkers, patchIdsIn, splitAfter, type HistoryJson } from '../helpers/split-history';

const RECORDED = path.join(__dirname, '..', 'histories', 'recorded');
const CHANGED_WORKFLOWS = require.resolve('../helpers/changed-workflows');

/** Compile-time: today's worker still serves every activity call generation 1 makes (tsc fails if not). */
const _v1CallsServed = (activities: ReturnType<typeof createActivities>): v1.Activities => activities;

/**
 * Every stored history was made by released workflow code. Today's code must replay each one
 * command for command; a change that running cases would replay differently fails here unless it
 * sits behind patched(). The same histories against deliberately changed workflows must fail, or
 * this test could not see a change at all.
 */
describe('workflows: replay of stored histories', () => {
  const files = fs.readdirSync(RECORDED).filter((f) => f.endsWith('.json'));
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(RECORDED, file), 'utf8'));
  const workflowTypeOf = (file: string): string =>
    read(file).events[0].workflowExecutionStartedEventAttributes.workflowType.name;
  const replayHistory = async (history: HistoryJson, name: string, workflowsPath?: string): Promise<void> =>
    Worker.runReplayHistory(
      { workflowBundle: await workflowBundle(workflowsPath), dataConverter: testDataConverter },
      historyFromJSON(history),
      name,
    );
  const replay = async (file: string, workflowsPath?: string): Promise<void> =>
    replayHistory(read(file), file.replace(/\.json$/, ''), workflowsPath);

  it('when the stored histories are listed, then every workflow generation is represented', () => {
    expect(files.some((f) => f.startsWith('v1-'))).toBe(true);
    expect(files.some((f) => f.startsWith('v2-'))).toBe(true);
    expect(files.some((f) => f.startsWith('v3-'))).toBe(true);
    expect(files.some((f) => f.startsWith('v4-'))).toBe(true);
    expect(files.some((f) => f.startsWith('v5-'))).toBe(true);
    expect(files.some((f) => f.startsWith('v6-'))).toBe(true);
    expect(files.some((f) => f.startsWith('v7-'))).toBe(true);
    expect(files.some((f) => f.startsWith('v8-'))).toBe(true);
    expect(files.some((f) => f.startsWith('v9-'))).toBe(true);
    expect(files.some((f) => f.startsWith('v10-'))).toBe(true);
    expect(files.some((f) => f.startsWith('v11-'))).toBe(true);
    expect(files.some((f) => f.startsWith('v12-'))).toBe(true);
    expect(files.some((f) => f.startsWith('v14-'))).toBe(true);
    expect(files.some((f) => f.startsWith('v15-'))).toBe(true);
    expect(files.some((f) => f.startsWith('v16-'))).toBe(true);
    // A chain that continued as new: its later runs start from carried state.
    expect(files.filter((f) => /^v2-continue-as-new-run\d+\.json$/.test(f)).length).toBeGreaterThanOrEqual(2);
    // The staff digests workflow has its own history, replayed below with the case histories.
    expect(files.filter((f) => workflowTypeOf(f) === 'staffDigests')).toEqual(['v6-staff-digests.json']);
    expect(new Set(files.map(workflowTypeOf))).toEqual(new Set(['caseLifecycle', 'staffDigests']));
  });

  /** The patch ids a stored history recorded markers for, in order. */
  const patchesIn = (source: string | HistoryJson): string[] =>
    patchIdsIn(typeof source === 'string' ? (read(source) as HistoryJson) : source);
  /** The patch ids a stored history recorded before its first local activity (the intake look). */
  const patchesBeforeFirstLocalActivity = (file: string): string[] => {
    const history = read(file) as HistoryJson;
    return patchesIn({ events: history.events.slice(0, localActivityMarkers(history)[0]) });
  };

  it('when the v3 history is read, then its closure request went through the closure-pauses-clocks patch', () => {
    expect(patchesIn('v3-closure-pauses-clocks.json')).toEqual([
      PATCHES.clocksV2,
      PATCHES.closurePausesClocks,
    ]);
  });

  it('when the v4 history is read, then its projections went through the parties-projected patch', () => {
    expect(patchesIn('v4-parties-projected.json')).toEqual([
      PATCHES.clocksV2,
      PATCHES.partiesProjected,
      PATCHES.closurePausesClocks,
    ]);
  });

  it('when the v6 history is read, then its timers re-checked their step through the newest-step-after-wake patch', () => {
    expect(patchesIn('v6-newest-step-after-wake.json')).toContain(PATCHES.newestStepAfterWake);
    // Recorded before the patch existed: replays take the old path, without the marker.
    expect(patchesIn('v5-numbered-changes.json')).not.toContain(PATCHES.newestStepAfterWake);
  });

  /** The generation a recording belongs to: 7 for 'v7-decisions-told.json'. */
  const generationOf = (file: string): number => Number(/^v(\d+)-/.exec(file)?.[1] ?? NaN);

  it('when the v7 history is read, then its plan and closure requests and decisions went through the decisions-told patch', () => {
    expect(patchesIn('v7-decisions-told.json')).toContain(PATCHES.decisionsTold);
    // Every history recorded before it replays without telling anyone: none carries the marker
    // (later generations may, since a case started today tells its decisions).
    const before = files.filter((f) => generationOf(f) < 7);
    expect(before.length).toBeGreaterThanOrEqual(6);
    for (const file of before)
      expect([file, patchesIn(file)]).not.toEqual([file, expect.arrayContaining([PATCHES.decisionsTold])]);
  });

  it('when the v8 history is read, then its projections went through the obligations-projected patch', () => {
    expect(patchesIn('v8-obligations-projected.json')).toContain(PATCHES.obligationsProjected);
    // Recorded before the patch existed: replays take the old path, without the marker.
    expect(patchesIn('v6-newest-step-after-wake.json')).not.toContain(PATCHES.obligationsProjected);
  });

  it('when the v9 history is read, then its projections went through the obligation-clocks-projected patch', () => {
    expect(patchesIn('v9-obligation-clocks-projected.json')).toContain(PATCHES.obligationClocksProjected);
    // Recorded before the patch existed: replays project obligations without their clocks.
    expect(patchesIn('v8-obligations-projected.json')).not.toContain(PATCHES.obligationClocksProjected);
  });

  it('when the v11 history is read, then it projected by local activity and kept its step timer across a message', () => {
    const file = 'v11-quiet-history.json';
    expect(patchesIn(file)).toEqual(expect.arrayContaining([PATCHES.localProjection, PATCHES.keptStepTimer]));
    const events = read(file).events as {
      eventType: string;
      activityTaskScheduledEventAttributes?: { activityType: { name: string } };
      markerRecordedEventAttributes?: { markerName: string };
    }[];
    const scheduled = events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType.name ?? []);
    // Only intake's look for the case record is still a (remote) activity; every projection is a marker.
    expect(scheduled.filter((name) => name === 'projectCaseSchedule')).toHaveLength(1);
    expect(
      events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
    ).toBeGreaterThan(3);
    // Three messages, one timer replaced (the task's moved the next step); the note's kept it.
    expect(
      events.filter((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED'),
    ).toHaveLength(3);
    expect(events.filter((e) => e.eventType === 'EVENT_TYPE_TIMER_CANCELED')).toHaveLength(1);
    // Recorded before the patches existed: replays project by activity and cancel timers as they did.
    expect(patchesIn('v10-tasks-ladder-done-cancelled.json')).not.toContain(PATCHES.localProjection);
    expect(patchesIn('v10-tasks-ladder-done-cancelled.json')).not.toContain(PATCHES.keptStepTimer);
  });

  it('when the v12 history is read, then the case found its intake record by local activity: no projection is a remote activity', () => {
    const file = 'v12-local-intake-look.json';
    expect(patchesIn(file)).toContain(PATCHES.localIntakeLook);
    const events = read(file).events as {
      activityTaskScheduledEventAttributes?: { activityType: { name: string } };
    }[];
    const scheduled = events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType.name ?? []);
    // The heads-up that fell due is the only remote activity.
    expect(scheduled).toEqual(['sendCaseNotification']);
    // Recorded before the patch existed: replays look for the record by remote activity, as they did.
    expect(patchesIn('v11-quiet-history.json')).not.toContain(PATCHES.localIntakeLook);
  });

  it('when the v14 history is read, then its reminders held over weekends fired at its own minute after 08:00', () => {
    const events = read('v14-release-spread.json').events as {
      eventTime: string;
      workflowExecutionStartedEventAttributes?: {
        searchAttributes: { indexedFields: Record<string, { data: string }> };
      };
      timerStartedEventAttributes?: { startToFireTimeout: string };
    }[];
    const caseId = JSON.parse(
      Buffer.from(
        events[0]!.workflowExecutionStartedEventAttributes!.searchAttributes.indexedFields[SA.CaseId.name]!
          .data,
        'base64',
      ).toString(),
    ) as string;
    const minute = releaseOffsetMinutes(caseId, 15);
    // Recorded for a case off the first minute, so the offset shows in its timers.
    expect(minute).toBeGreaterThan(0);
    const fires = events.flatMap((e) =>
      e.timerStartedEventAttributes
        ? [Date.parse(e.eventTime) + parseFloat(e.timerStartedEventAttributes.startToFireTimeout) * 1000]
        : [],
    );
    const held = fires.map((ms) => new Date(ms)).filter((d) => d.getUTCHours() === 8);
    expect(held.length).toBeGreaterThanOrEqual(2);
    for (const d of held) expect([d.getUTCMinutes(), d.getUTCSeconds()]).toEqual([minute, 0]);
  });

  const v1Files = files.filter((f) => f.startsWith('v1-'));
  it.each(v1Files)(
    "when %s is read, then it carries no patch marker: generation 1 recorded it, not today's code under its name",
    (file) => {
      expect(patchesIn(file)).toEqual([]);
    },
  );

  it('when the case histories of later generations are read, then each went through the case-clocks-v2 patch first', () => {
    const later = files.filter((f) => !f.startsWith('v1-') && workflowTypeOf(f) === 'caseLifecycle');
    expect(later.length).toBeGreaterThan(0);
    for (const file of later) expect([file, patchesIn(file)[0]]).toEqual([file, PATCHES.clocksV2]);
  });

  it("when generation 1's frozen contract is set beside today's, then every message and search attribute has the same name", () => {
    // Names are how the API's calls and Temporal's indexes reach a running v1 case.
    expect(v1.scheduleQuery.name).toBe(today.scheduleQuery.name);
    expect(v1.caseEventUpdate.name).toBe(today.caseEventUpdate.name);
    expect(v1.acknowledgeEscalationUpdate.name).toBe(today.acknowledgeEscalationUpdate.name);
    expect(v1.policyChangedSignal.name).toBe(today.policyChangedSignal.name);
    expect(v1.SA).toEqual(SA);
  });

  it.each(files)(
    'when %s is replayed with the current code, then it replays without nondeterminism',
    async (file) => {
      await expect(replay(file)).resolves.toBeUndefined();
    },
  );

  /**
   * A worker that answers a query while a local activity's result waits completes the task early and
   * records the rest in the next one. Whatever the timing, the case must still replay: so each
   * history of a generation past 'patches-decided-at-start' is replayed once per local activity,
   * split right after its result.
   */
  const decidedAtStart = files.filter((f) => patchesIn(f).includes(PATCHES.decidedAtStart));
  it('when the v15 history is read, then it recorded two patches at its start and asked no other: every earlier one is implied', () => {
    expect(decidedAtStart).toContain('v15-patches-decided-at-start.json');
    expect(patchesIn('v15-patches-decided-at-start.json')).toEqual([
      PATCHES.clocksV2,
      PATCHES.decidedAtStart,
    ]);
    // Both before the first local activity (the intake look), so no task completed early can split them off.
    expect(patchesBeforeFirstLocalActivity('v15-patches-decided-at-start.json')).toHaveLength(2);
  });

  /** What a new case's first workflow task wrote, besides its patches: up to its first timer. */
  const firstTurnOf = (file: string) => {
    const events = (read(file) as HistoryJson).events as {
      eventType: string;
      markerRecordedEventAttributes?: { markerName: string };
    }[];
    const turn = events.slice(
      0,
      events.findIndex((e) => e.eventType.endsWith('TIMER_STARTED')),
    );
    const patchMarker = (e: (typeof turn)[number] | undefined) =>
      e?.markerRecordedEventAttributes?.markerName === 'core_patch';
    return {
      localActivities: turn.filter(
        (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
      ).length,
      // Each patch marker brings its own upsert (TemporalChangeVersion): those are not the case's.
      caseUpserts: turn.filter(
        (e, i) => e.eventType.endsWith('UPSERT_WORKFLOW_SEARCH_ATTRIBUTES') && !patchMarker(turn[i - 1]),
      ).length,
    };
  };
  it('when the v16 history is read, then the intake look wrote the whole first projection: one local activity and one upsert in the first turn, where v15 needed two of each', () => {
    expect(firstTurnOf('v16-look-writes-projection.json')).toEqual({ localActivities: 1, caseUpserts: 1 });
    expect(firstTurnOf('v15-patches-decided-at-start.json')).toEqual({ localActivities: 2, caseUpserts: 2 });
    // No patch: the start's input decides, so v16 asked exactly what v15 asked.
    expect(patchesIn('v16-look-writes-projection.json')).toEqual(
      patchesIn('v15-patches-decided-at-start.json'),
    );
  });

  it('when the v17 history is read, then the hand-over sent one invitation round for each appointment it moved, after the two it booked', () => {
    const events = read('v17-appointments-handed-over.json').events as {
      eventType: string;
      activityTaskScheduledEventAttributes?: { activityType: { name: string } };
    }[];
    const rounds = events.flatMap((e) => {
      if (e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED') return ['message'];
      const name = e.activityTaskScheduledEventAttributes?.activityType.name;
      return name === 'sendAppointmentInvite' ? ['invite'] : [];
    });
    // Two bookings, each with its invitation; the hand-over (one message) with one round per appointment.
    expect(rounds).toEqual(['message', 'invite', 'message', 'invite', 'message', 'invite', 'invite']);
  });

  it('when the v18 history is read, then it asked appointment-times-fixed at its start, right after patches-decided-at-start, and before its first local activity', () => {
    const file = 'v18-appointment-times-fixed.json';
    expect(patchesIn(file)).toEqual([
      PATCHES.clocksV2,
      PATCHES.decidedAtStart,
      PATCHES.appointmentTimesFixed,
    ]);
    expect(patchesBeforeFirstLocalActivity(file)).toHaveLength(3);
    // Recorded before the patch existed: a resume there moves appointment reminders, as it did.
    expect(patchesIn('v17-appointments-handed-over.json')).not.toContain(PATCHES.appointmentTimesFixed);
  });

  it('when the v21 history is read, then it asked no-escalation-to-doer at its start, after the patches asked there before it', () => {
    const file = 'v21-no-escalation-to-doer.json';
    expect(patchesIn(file)).toEqual([
      PATCHES.clocksV2,
      PATCHES.decidedAtStart,
      PATCHES.appointmentTimesFixed,
      PATCHES.escalationPassesDoer,
      PATCHES.noEscalationToDoer,
    ]);
    expect(patchesBeforeFirstLocalActivity(file)).toHaveLength(5);
    // Recorded before the patch existed: a program manager's own task still escalates to them there.
    expect(patchesIn('v20-escalation-passes-doer.json')).not.toContain(PATCHES.noEscalationToDoer);
  });

  it('when the v19 history is read, then the hand-over that moved an escalation was followed by one piece of news', () => {
    const events = read('v19-escalation-handed-over.json').events as {
      eventType: string;
      activityTaskScheduledEventAttributes?: { activityType: { name: string } };
    }[];
    const handOver = events.findIndex((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED');
    const after = events
      .slice(handOver)
      .flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType.name ?? []);
    expect(after).toEqual(['sendCaseNews']);
  });

  it.each(decidedAtStart)(
    'when %s is split after any local activity result (a query answered while it waited), then it still replays',
    async (file) => {
      const history = read(file) as HistoryJson;
      const markers = localActivityMarkers(history);
      expect(markers.length).toBeGreaterThan(1);
      for (const index of markers) {
        await expect(
          replayHistory(splitAfter(history, index), `${file} split at ${index}`),
        ).resolves.toBeUndefined();
      }
    },
  );

  it('when a v14 history is split after its intake look the same way, then replay fails on the next patch: the hazard patch patches-decided-at-start removes, and proof the split is seen', async () => {
    const history = read('v14-release-spread.json') as HistoryJson;
    const intakeLook = localActivityMarkers(history)[0]!;
    await expect(replayHistory(history, 'v14 whole')).resolves.toBeUndefined();
    await expect(replayHistory(splitAfter(history, intakeLook), 'v14 split')).rejects.toThrow(
      /patch marker encountered for change parties-projected/,
    );
  });

  // Negative control: a replay that passes means something only if a changed workflow fails.
  it.each(files)(
    'when %s is replayed with a workflow changed by one command, then replay fails with nondeterminism',
    async (file) => {
      await expect(replay(file, CHANGED_WORKFLOWS)).rejects.toThrow(DeterminismViolationError);
    },
  );
});
