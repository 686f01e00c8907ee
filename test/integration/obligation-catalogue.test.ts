import fs from 'node:fs';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { DEVELOPMENT_LINK_SIGNING_KEY } from '../../src/config/config';
import { createSendCaseNotification } from '../../src/activities/notifications';
import { createProjectCaseSchedule } from '../../src/activities/projection';
import { caseTimeline } from '../../src/domain/case-queries';
import { ladderSteps } from '../../src/core/ladder';
import {
  escalationLevelOf,
  isEscalationStep,
  isObligationKind,
  ladderShape,
  OBLIGATION_KINDS,
  obligationLabel,
} from '../../src/core/obligation-catalogue';
import { DEFAULT_POLICY } from '../../src/core/policy';
import { createMailer, type Mailer } from '../../src/notifications/mailer';
import { testDataConverter } from '../helpers/codec';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createCaseRow, createTeam } from '../helpers/fixtures';
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp';
import { workflowBundle } from '../helpers/temporal';

/**
 * The catalogue against the real record and the recorded histories: every kind's label resolves
 * in the timeline's SQL, and every kind was lived through by a recorded history that replays.
 */
describe('the obligation catalogue: timeline and recorded histories', () => {
  describe('the case timeline', () => {
    let db: TestDatabase;
    let smtp: SmtpCatcher;
    let mailer: Mailer;
    beforeAll(async () => {
      [db, smtp] = await Promise.all([createTestDatabase(), startSmtpCatcher()]);
      mailer = createMailer(smtp.url, 'Caseloop <no-reply@test.local>');
    });
    afterAll(async () => {
      mailer.close();
      await smtp.close();
      await db.drop();
    });

    it('when every kind opens and every kind that escalates escalates, then the timeline names each by its label', async () => {
      const team = await createTeam(db.pool);
      const opened = await createCaseRow(db.pool, team);
      const at = Date.parse('2027-03-01T10:00:00Z');
      // Written as the workflow writes them: through the projection activity.
      await createProjectCaseSchedule({ pool: db.pool })({
        caseId: opened.id,
        version: 1,
        status: 'active',
        nextDueAt: null,
        nextDueKind: null,
        overdueCount: 0,
        escalationLevel: 0,
        decisions: OBLIGATION_KINDS.map((kind, i) => ({
          key: `${kind}/opened`,
          at: new Date(at + i * 60_000).toISOString(),
          obligationId: `${kind}-1`,
          obligationKind: kind,
          what: 'opened' as const,
          detail: `opened for the catalogue test`,
        })),
      });
      // Each kind's first escalation, raised as the workflow raises it: through the notification activity.
      const send = createSendCaseNotification({
        pool: db.pool,
        mailer,
        publicBaseUrl: 'http://x',
        linkSigningKey: DEVELOPMENT_LINK_SIGNING_KEY,
      });
      const escalated: string[] = [];
      for (const kind of OBLIGATION_KINDS) {
        const step = ladderSteps(
          at,
          DEFAULT_POLICY.ladder,
          -Infinity,
          ladderShape(kind, DEFAULT_POLICY),
        ).find((s) => isEscalationStep(s.kind));
        if (!step) continue;
        escalated.push(
          `Escalated (level ${escalationLevelOf(step.kind)}) over ${obligationLabel(kind).toLowerCase()}`,
        );
        const result = await send({
          caseId: opened.id,
          obligationId: `${kind}-1`,
          obligationKind: kind,
          step: step.kind,
          stepId: step.id,
          n: 0,
          dueAt: new Date(at).toISOString(),
          scheduledFor: new Date(step.at).toISOString(),
          recipient: step.to,
          recipientStaffId: step.to === 'supervisor' ? team.supervisor.id : team.programManager.id,
        });
        expect(result.status).toBe('sent');
      }
      // Everything but the obligations that only remind (goal target dates, referral responses,
      // appointment reminders and attendance) escalates somewhere.
      expect(escalated).toHaveLength(OBLIGATION_KINDS.length - 5);

      const timeline = await caseTimeline(db.pool, team.supervisor, opened.id);
      const summaries = (kind: string) => timeline.filter((e) => e.kind === kind).map((e) => e.summary);
      expect(summaries('schedule.opened')).toEqual(
        OBLIGATION_KINDS.map((k) => `${obligationLabel(k)}: opened for the catalogue test`),
      );
      expect(summaries('escalation.raised').sort()).toEqual(escalated.sort());
      expect(escalated).toContain('Escalated (level 2) over plan approval');
      expect(summaries('schedule.opened')).toContain('Plan activity: opened for the catalogue test');
    });
  });

  describe('the recorded histories', () => {
    const RECORDED = path.join(__dirname, '..', 'histories', 'recorded');
    const files = fs.readdirSync(RECORDED).filter((f) => f.endsWith('.json'));
    const read = (file: string) =>
      historyFromJSON(JSON.parse(fs.readFileSync(path.join(RECORDED, file), 'utf8')));

    /** The kinds a history opened, read from its projections' decisions (decrypted as the worker would). */
    async function kindsOpenedIn(file: string): Promise<Set<string>> {
      const kinds = new Set<string>();
      for (const event of read(file).events ?? []) {
        const scheduled = event.activityTaskScheduledEventAttributes;
        if (scheduled?.activityType?.name !== 'projectCaseSchedule') continue;
        let payloads = (scheduled.input?.payloads ?? []) as Payload[];
        for (const codec of [...(testDataConverter.payloadCodecs ?? [])].reverse())
          payloads = await codec.decode(payloads);
        for (const input of payloads.map((p) =>
          defaultPayloadConverter.fromPayload<{ decisions?: { what: string; obligationKind: string }[] }>(p),
        ))
          for (const d of input.decisions ?? []) if (d.what === 'opened') kinds.add(d.obligationKind);
      }
      return kinds;
    }

    it('when the recorded histories are read, then every kind was opened in one, and each such history replays', async () => {
      const opened = new Map<string, Set<string>>();
      for (const file of files) opened.set(file, await kindsOpenedIn(file));
      const coveredBy = Object.fromEntries(
        OBLIGATION_KINDS.map((kind) => [kind, files.filter((f) => opened.get(f)!.has(kind))]),
      );
      expect(OBLIGATION_KINDS.filter((kind) => coveredBy[kind]!.length === 0)).toEqual([]);
      // Every kind the histories opened is one the catalogue knows.
      const seen = [...opened.values()].flatMap((kinds) => [...kinds]);
      expect(seen.filter((kind) => !isObligationKind(kind))).toEqual([]);

      // The fewest histories that between them opened every kind: those most varied first.
      const covering: string[] = [];
      const uncovered = new Set<string>(OBLIGATION_KINDS);
      for (const file of [...files].sort((a, b) => opened.get(b)!.size - opened.get(a)!.size)) {
        const adds = [...uncovered].filter((kind) => opened.get(file)!.has(kind));
        if (adds.length === 0) continue;
        covering.push(file);
        adds.forEach((kind) => uncovered.delete(kind));
      }
      expect(covering.length).toBeGreaterThan(0);
      for (const file of covering) {
        await expect(
          Worker.runReplayHistory(
            { workflowBundle: await workflowBundle(), dataConverter: testDataConverter },
            read(file),
            file.replace(/\.json$/, ''),
          ),
        ).resolves.toBeUndefined();
      }
    });
  });
});
