import type { Pool } from 'pg';
import type { Mailer } from '../notifications/mailer';
import type { AgencyContact } from '../notifications/templates';
import type { CaseWorkflows } from '../domain/ports';
import { createSendCaseNews } from './case-news';
import { createDigestActivities } from './digests';
import { createDeliverFanOut } from './fan-out';
import { createSendCaseNotification } from './notifications';
import { createProjectCaseSchedule } from './projection';
import { createSendAppointmentInvite } from './appointments';
import { createQueueImportCatchUp } from './import-catch-up';
import { createCommitImportRun } from './import-run';

export interface ActivityDeps {
  pool: Pool;
  mailer: Mailer;
  publicBaseUrl: string;
  /** Signs the acknowledgement links in escalation emails (the API verifies them). */
  linkSigningKey: string;
  /** The agency's name and contact address, for provider emails (AGENCY_NAME, AGENCY_CONTACT_EMAIL). */
  agency?: AgencyContact;
  /** Delivers case changes (fan-outs); assembled by src/worker/create-worker.ts over the worker's connection. */
  caseWorkflows?: CaseWorkflows;
  /** The real time, as activities read it (Date.now; tests move it to play a worker that was paused). */
  now?: () => number;
  /**
   * REMINDER_RELEASE_SPREAD_MINUTES: cases this worker starts (imports) spread reminders held by
   * quiet hours over this many minutes after the working start, and digests wait for the spread to
   * pass, so held reminders are in them. Unset: 0.
   */
  releaseSpreadMinutes?: number;
}

/** Every activity, built over injected dependencies so tests can hand in real or test instances. */
export function createActivities(deps: ActivityDeps) {
  return {
    sendCaseNotification: createSendCaseNotification(deps),
    sendCaseNews: createSendCaseNews(deps),
    projectCaseSchedule: createProjectCaseSchedule(deps),
    deliverFanOut: createDeliverFanOut(deps),
    sendAppointmentInvite: createSendAppointmentInvite(deps),
    ...createDigestActivities(deps),
    queueImportCatchUp: createQueueImportCatchUp(deps),
    commitImportRun: createCommitImportRun(deps),
  };
}
