import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Actor } from '../../src/domain/actor';
import {
  createProvider,
  createStaff,
  createToken,
  getProvider,
  updateProvider,
  type ProviderInput,
  type StaffInput,
} from '../../src/domain/directory';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createStaff as createStaffRow } from '../helpers/fixtures';

/**
 * A directory change and its audit entry land together: if the entry cannot be written, the change
 * is not made either. A test-only trigger refuses the audit entries of requests marked for it.
 */
describe('directory changes and their audit entries', () => {
  const REFUSED = 'refuse-this-audit';
  let db: TestDatabase;
  let admin: Actor;
  /** The same admin, in a request whose audit entry the database refuses. */
  let unaudited: Actor;

  beforeAll(async () => {
    db = await createTestDatabase();
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    await owner.query(`
      CREATE FUNCTION refuse_marked_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.request_id = '${REFUSED}' THEN RAISE EXCEPTION 'audit entry refused by the test'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_marked_audit BEFORE INSERT ON audit_log
        FOR EACH ROW EXECUTE FUNCTION refuse_marked_audit();`);
    await owner.end();
    admin = await createStaffRow(db.pool, 'admin');
    unaudited = { ...admin, requestId: REFUSED };
  });
  afterAll(() => db?.drop());

  const auditEntries = async (entity: string, entityId: string) =>
    (
      await db.pool.query<{ action: string; actor_id: string }>(
        'SELECT action, actor_id FROM audit_log WHERE entity = $1 AND entity_id = $2',
        [entity, entityId],
      )
    ).rows;

  const newStaff = (): StaffInput => ({
    email: `new.${randomBytes(4).toString('hex')}@test.caseloop.local`,
    fullName: 'Noor Newcomer',
    role: 'case_manager',
    supervisorId: null,
    timeZone: 'UTC',
    notificationPreference: 'immediate',
  });
  const newProvider = (): ProviderInput => ({
    organisation: `Harbour Housing ${randomBytes(4).toString('hex')}`,
    services: ['housing'],
    contactEmail: 'intake@harbour.test',
    languages: ['en'],
    eligibilityNotes: '',
  });

  it('when an admin adds a staff member, then the staff row and its audit entry are both written', async () => {
    const staff = await createStaff(db.pool, admin, newStaff());
    expect(await auditEntries('staff', staff.id)).toEqual([{ action: 'create', actor_id: admin.id }]);
  });

  it('when the audit entry for a new staff member cannot be written, then no staff member is added', async () => {
    const input = newStaff();
    await expect(createStaff(db.pool, unaudited, input)).rejects.toThrow('audit entry refused by the test');
    const found = await db.pool.query('SELECT 1 FROM staff WHERE email = $1', [input.email]);
    expect(found.rowCount).toBe(0);
  });

  it('when the audit entry for a new provider cannot be written, then no provider is added', async () => {
    const input = newProvider();
    const audited = await createProvider(db.pool, admin, newProvider());
    expect(await auditEntries('provider', audited.id)).toEqual([{ action: 'create', actor_id: admin.id }]);

    await expect(createProvider(db.pool, unaudited, input)).rejects.toThrow('audit entry refused');
    const found = await db.pool.query('SELECT 1 FROM providers WHERE organisation = $1', [
      input.organisation,
    ]);
    expect(found.rowCount).toBe(0);
  });

  it('when the audit entry for a provider change cannot be written, then the provider is unchanged', async () => {
    const provider = await createProvider(db.pool, admin, newProvider());
    await expect(
      updateProvider(db.pool, unaudited, provider.id, { organisation: 'Renamed', active: false }),
    ).rejects.toThrow('audit entry refused');
    expect(await getProvider(db.pool, provider.id)).toEqual(provider);

    await updateProvider(db.pool, admin, provider.id, { active: false });
    expect((await getProvider(db.pool, provider.id)).active).toBe(false);
    expect(await auditEntries('provider', provider.id)).toContainEqual({
      action: 'update',
      actor_id: admin.id,
    });
  });

  it('when the audit entry for a new API token cannot be written, then no token is issued', async () => {
    const staff = await createStaff(db.pool, admin, newStaff());
    const tokens = async () =>
      Number(
        (
          await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM api_tokens WHERE staff_id = $1', [
            staff.id,
          ])
        ).rows[0]!.n,
      );
    await expect(createToken(db.pool, unaudited, staff.id, 'laptop')).rejects.toThrow('audit entry refused');
    expect(await tokens()).toBe(0);

    await createToken(db.pool, admin, staff.id, 'laptop');
    expect(await tokens()).toBe(1);
    expect(await auditEntries('api_token', staff.id)).toEqual([{ action: 'create', actor_id: admin.id }]);
  });
});
