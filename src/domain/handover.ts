import type { Pool } from 'pg';
import type { CaseStatus } from '../core/case-contract';
import { ForbiddenError } from '../core/errors';
import { canApprove } from './access';
import type { Actor } from './actor';
import { loadCase } from './cases';

/**
 * Who a case can be handed to, for the hand-over form: the people the reassignment itself accepts,
 * with what a supervisor weighs when balancing caseloads (how many open cases each carries now).
 */

export interface CaseManagerChoice {
  id: string;
  fullName: string;
  supervisorName: string | null;
  openCases: number;
}

export interface SupervisorChoice {
  id: string;
  fullName: string;
  role: 'supervisor' | 'program_manager';
}

export interface HandOverChoices {
  caseId: string;
  reference: string;
  status: CaseStatus;
  current: { caseManagerId: string; caseManagerName: string; supervisorId: string; supervisorName: string };
  /** Active case managers other than the one carrying the case, by name. */
  caseManagers: CaseManagerChoice[];
  /** Active supervisors and program managers other than the case's supervisor, by name. */
  supervisors: SupervisorChoice[];
  /** Open tasks the current case manager or supervisor holds on the case: they move with them. */
  openTasksOfParties: number;
  /** Appointments yet to start that the current case manager or supervisor attends: they move with them. */
  upcomingAppointmentsOfParties: number;
  /** Escalations waiting on the current supervisor (or case manager, from older data): they move with them. */
  openEscalationsOfParties: number;
}

/** 404 for a case the actor cannot see, 403 for one they see but may not hand over. */
export async function handOverChoices(pool: Pool, actor: Actor, caseId: string): Promise<HandOverChoices> {
  const row = await loadCase(pool, actor, caseId);
  if (!canApprove(actor, row))
    throw new ForbiddenError('Only the case’s supervisor, its program manager or an admin may hand it over.');
  const people = await pool.query<{
    id: string;
    full_name: string;
    role: 'case_manager' | 'supervisor' | 'program_manager';
    supervisor_name: string | null;
    open_cases: number;
  }>(
    `SELECT s.id, s.full_name, s.role, sup.full_name AS supervisor_name,
            CASE WHEN s.role = 'case_manager'
                 THEN (SELECT count(*)::int FROM cases c WHERE c.case_manager_id = s.id AND c.status <> 'closed')
                 ELSE 0 END AS open_cases
       FROM staff s LEFT JOIN staff sup ON sup.id = s.supervisor_id
      WHERE s.active AND s.role IN ('case_manager', 'supervisor', 'program_manager')
         OR s.id IN ($1, $2)
      ORDER BY s.full_name, s.id`,
    [row.case_manager_id, row.supervisor_id],
  );
  const name = (id: string) => people.rows.find((p) => p.id === id)?.full_name ?? 'a former staff member';
  const held = await pool.query<{ tasks: number; appointments: number; escalations: number }>(
    `SELECT (SELECT count(*)::int FROM case_tasks
              WHERE case_id = $1 AND status = 'open' AND assignee_id IN ($2, $3)) AS tasks,
            (SELECT count(*)::int FROM appointments
              WHERE case_id = $1 AND status = 'scheduled' AND starts_at > now()
                AND attendee_ids && ARRAY[$2, $3]::uuid[]) AS appointments,
            (SELECT count(*)::int FROM escalations
              WHERE case_id = $1 AND recipient_id IN ($2, $3)
                AND acknowledged_at IS NULL AND resolved_at IS NULL) AS escalations`,
    [row.id, row.case_manager_id, row.supervisor_id],
  );
  return {
    caseId: row.id,
    reference: row.reference,
    status: row.status,
    current: {
      caseManagerId: row.case_manager_id,
      caseManagerName: name(row.case_manager_id),
      supervisorId: row.supervisor_id,
      supervisorName: name(row.supervisor_id),
    },
    caseManagers: people.rows
      .filter((p) => p.role === 'case_manager' && p.id !== row.case_manager_id)
      .map((p) => ({
        id: p.id,
        fullName: p.full_name,
        supervisorName: p.supervisor_name,
        openCases: p.open_cases,
      })),
    supervisors: people.rows
      .filter(
        (p): p is typeof p & { role: SupervisorChoice['role'] } =>
          (p.role === 'supervisor' || p.role === 'program_manager') && p.id !== row.supervisor_id,
      )
      .map((p) => ({ id: p.id, fullName: p.full_name, role: p.role })),
    openTasksOfParties: held.rows[0]?.tasks ?? 0,
    upcomingAppointmentsOfParties: held.rows[0]?.appointments ?? 0,
    openEscalationsOfParties: held.rows[0]?.escalations ?? 0,
  };
}
