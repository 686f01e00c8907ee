import fs from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import type { Actor } from '../domain/actor';
import { issueToken } from '../domain/auth';
import { hashPassword } from '../domain/passwords';
import { openCase, recordAssessment } from '../domain/cases';
import { createProvider } from '../domain/directory';
import { addNote } from '../domain/notes';
import { createPlan, decidePlan, recordGoalProgress, submitPlan } from '../domain/plans';
import { makeReferral, updateReferral } from '../domain/referrals';
import { DEFAULT_POLICY, DEMO_MINUTE_POLICY } from '../core/policy';
import type { CaseWorkflows } from '../domain/ports';

/**
 * Every demo person signs in to the pages with their email and this password. Development only: the
 * dev stack listens on loopback, and the password is printed at every start.
 */
export const DEMO_PASSWORD = 'caseloop-demo-password';

/**
 * Gives each demo person the development password unless they already have one (a data folder
 * seeded before passwords existed gets them on its next start).
 */
export async function ensureDemoPasswords(pool: Pool, staff: DemoStaff[]): Promise<void> {
  const hash = await hashPassword(DEMO_PASSWORD);
  await pool.query(
    `INSERT INTO staff_credentials (staff_id, password_hash)
     SELECT id, $2 FROM staff WHERE lower(email) = ANY($1::text[])
     ON CONFLICT (staff_id) DO NOTHING`,
    [staff.map((s) => s.email.toLowerCase()), hash],
  );
}

export interface DemoStaff {
  name: string;
  role: string;
  email: string;
  token: string;
}

interface DemoState {
  staff: DemoStaff[];
}

const STAFF = [
  { key: 'admin', name: 'Avery Admin', role: 'admin', email: 'avery.admin@demo.caseloop.local', tz: 'UTC' },
  {
    key: 'pm',
    name: 'Priya Program',
    role: 'program_manager',
    email: 'priya.program@demo.caseloop.local',
    tz: 'Europe/London',
  },
  {
    key: 'sup',
    name: 'Sam Supervisor',
    role: 'supervisor',
    email: 'sam.supervisor@demo.caseloop.local',
    tz: 'Europe/London',
  },
  {
    key: 'cm',
    name: 'Casey Manager',
    role: 'case_manager',
    email: 'casey.manager@demo.caseloop.local',
    tz: 'Europe/London',
  },
  // Chose a daily digest: her reminders wait for a digest instead of arriving one by one.
  {
    key: 'dcm',
    name: 'Dana Digest',
    role: 'case_manager',
    email: 'dana.digest@demo.caseloop.local',
    tz: 'Europe/London',
  },
] as const;

/**
 * First start only: a program on the default policy, a demo program on a minute-scale policy, five
 * staff with the development password and API tokens, and cases in different stages. Tokens are kept in the git-ignored data
 * folder so every later start can print them again.
 */
export async function seedDemoData(
  pool: Pool,
  workflows: CaseWorkflows,
  dataDir: string,
): Promise<DemoStaff[]> {
  const stateFile = path.join(dataDir, 'demo.json');
  if (fs.existsSync(stateFile)) {
    const seeded = (JSON.parse(fs.readFileSync(stateFile, 'utf8')) as DemoState).staff;
    await ensureDemoPasswords(pool, seeded);
    return seeded;
  }

  const ids: Record<string, string> = {};
  const staff: DemoStaff[] = [];
  for (const s of STAFF) {
    const supervisorId = s.role === 'case_manager' ? ids.sup : null;
    const id = (
      await pool.query<{ id: string }>(
        `INSERT INTO staff (email, full_name, role, supervisor_id, time_zone, notification_preference)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (lower(email)) DO UPDATE SET full_name = EXCLUDED.full_name RETURNING id`,
        [s.email, s.name, s.role, supervisorId, s.tz, s.key === 'dcm' ? 'daily_digest' : 'immediate'],
      )
    ).rows[0]!.id;
    ids[s.key] = id;
    // A year: a demo data folder outlives the default 90 days.
    const token = await issueToken(pool, id, 'demo', new Date(Date.now() + 365 * 86_400_000));
    staff.push({ name: s.name, role: s.role, email: s.email, token });
  }
  await ensureDemoPasswords(pool, staff);

  const program = async (name: string, policy: object): Promise<string> => {
    const id = (
      await pool.query<{ id: string }>(
        `INSERT INTO programs (name, program_manager_id, time_zone) VALUES ($1, $2, 'Europe/London')
         ON CONFLICT (name) DO UPDATE SET program_manager_id = EXCLUDED.program_manager_id RETURNING id`,
        [name, ids.pm],
      )
    ).rows[0]!.id;
    await pool.query(
      `INSERT INTO program_policies (program_id, version, policy, created_by) VALUES ($1, 1, $2, $3)
       ON CONFLICT DO NOTHING`,
      [id, policy, ids.admin],
    );
    return id;
  };
  const housing = await program('Housing Stability', DEFAULT_POLICY);
  const demo = await program('Demo (minute-scale policy)', DEMO_MINUTE_POLICY);

  const admin: Actor = { id: ids.admin!, role: 'admin', email: STAFF[0].email };
  const deps = { pool, workflows };
  const intake = (
    programId: string,
    givenName: string,
    familyName: string,
    riskLevel: 'low' | 'medium' | 'high',
    caseManagerId = ids.cm!,
  ) =>
    openCase(deps, admin, {
      programId,
      caseManagerId,
      riskLevel,
      client: { givenName, familyName, preferredLanguage: 'en', consentToShare: true },
    });

  await intake(housing, 'Jordan', 'Rivera', 'medium');
  const assessed = await intake(housing, 'Morgan', 'Lee', 'high');
  await recordAssessment(deps, admin, assessed.id, {
    kind: 'initial',
    scores: { housing: 2, income: 3, employment: 2, health: 4, safety: 3 },
    needs: ['stable housing', 'income support'],
    summary: 'Demo assessment.',
  });
  // An active case: approved plan, a goal in progress, a referral the provider accepted, a contact note.
  const active = await intake(housing, 'Sam', 'Okoro', 'low');
  await recordAssessment(deps, admin, active.id, {
    kind: 'initial',
    scores: { housing: 3, employment: 2 },
    needs: ['job search support'],
    summary: 'Demo assessment.',
  });
  const supervisor: Actor = { id: ids.sup!, role: 'supervisor', email: STAFF[2].email };
  const plan = await createPlan(deps, admin, active.id, {
    summary: 'Back to work within six months.',
    goals: [
      {
        domain: 'employment',
        description: 'Apply for five jobs a month',
        measure: 'Applications sent',
        targetDate: new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10),
      },
    ],
  });
  await submitPlan(deps, admin, active.id, plan.planId);
  await decidePlan(deps, supervisor, active.id, plan.planId, { decision: 'approved' });
  await recordGoalProgress(deps, admin, active.id, plan.goalIds[0]!, {
    status: 'in_progress',
    note: 'Two applications sent.',
  });
  const provider = await createProvider(pool, admin, {
    organisation: 'Northside Employment Hub',
    services: ['employment', 'training'],
    contactEmail: 'referrals@northside-hub.demo.caseloop.local',
    languages: ['en', 'es'],
    eligibilityNotes: 'Adults 18+.',
  });
  const referral = await makeReferral(deps, admin, active.id, {
    providerId: provider.id,
    service: 'CV workshop',
    reason: 'Job search',
  });
  await updateReferral(deps, admin, active.id, referral.id, { status: 'accepted' });
  await addNote(deps, admin, active.id, { type: 'contact', body: 'Met the client at the hub.' });

  // The minute-scale case fills the mail inbox with a whole ladder within a few minutes.
  await intake(demo, 'Taylor', 'Kim', 'medium');
  // Dana's minute-scale case: its reminders queue for the demo digest round the dev stack runs.
  await intake(demo, 'Robin', 'Ash', 'medium', ids.dcm);

  fs.writeFileSync(stateFile, JSON.stringify({ staff } satisfies DemoState, null, 2), { mode: 0o600 });
  return staff;
}
