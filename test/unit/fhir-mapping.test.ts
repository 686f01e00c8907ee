import {
  carePlanStatus,
  caseBundle,
  encounterStatus,
  goalStatus,
  nameBasedUuid,
  referralStatuses,
  referralTaskId,
  type CaseRecordsSource,
} from '../../src/domain/fhir/r4-mapping';

/** The FHIR mapping's pure parts: every status of every record, and what the Patient carries. */
describe('FHIR R4 mapping', () => {
  it('when a plan is approved, then its CarePlan follows the case: active, on hold, completed when closed', () => {
    expect(carePlanStatus('approved', 'active')).toEqual({ status: 'active', intent: 'plan' });
    expect(carePlanStatus('approved', 'on_hold')).toEqual({ status: 'on-hold', intent: 'plan' });
    expect(carePlanStatus('approved', 'closed')).toEqual({ status: 'completed', intent: 'plan' });
    expect(carePlanStatus('superseded', 'active')).toEqual({ status: 'revoked', intent: 'plan' });
    for (const notYetAgreed of ['draft', 'submitted', 'returned'])
      expect(carePlanStatus(notYetAgreed, 'planning')).toEqual({ status: 'draft', intent: 'proposal' });
  });

  it('when a goal has progress, then lifecycle and achievement say the same', () => {
    expect(goalStatus('not_started', false)).toEqual({ lifecycleStatus: 'proposed', achievement: null });
    expect(goalStatus('not_started', true)).toEqual({ lifecycleStatus: 'accepted', achievement: null });
    expect(goalStatus('in_progress', true)).toEqual({
      lifecycleStatus: 'active',
      achievement: 'in-progress',
    });
    expect(goalStatus('achieved', true)).toEqual({ lifecycleStatus: 'completed', achievement: 'achieved' });
    expect(goalStatus('not_achieved', true)).toEqual({
      lifecycleStatus: 'completed',
      achievement: 'not-achieved',
    });
    expect(goalStatus('dropped', true)).toEqual({ lifecycleStatus: 'cancelled', achievement: null });
  });

  it('when a referral moves, then ServiceRequest and Task follow the Gravity SDOH pattern', () => {
    expect(
      Object.fromEntries(
        ['sent', 'accepted', 'scheduled', 'completed', 'declined', 'no_show', 'cancelled'].map((s) => [
          s,
          referralStatuses(s),
        ]),
      ),
    ).toEqual({
      sent: { serviceRequest: 'active', task: 'requested' },
      accepted: { serviceRequest: 'active', task: 'accepted' },
      scheduled: { serviceRequest: 'active', task: 'in-progress' },
      completed: { serviceRequest: 'completed', task: 'completed' },
      declined: { serviceRequest: 'revoked', task: 'rejected' },
      no_show: { serviceRequest: 'revoked', task: 'failed' },
      cancelled: { serviceRequest: 'revoked', task: 'cancelled' },
    });
  });

  it('when attendance is recorded, then the Encounter is finished; a no-show or cancellation is cancelled', () => {
    expect(encounterStatus('scheduled')).toBe('planned');
    expect(encounterStatus('attended')).toBe('finished');
    expect(encounterStatus('no_show')).toBe('cancelled');
    expect(encounterStatus('cancelled_by_client')).toBe('cancelled');
    expect(encounterStatus('cancelled_by_agency')).toBe('cancelled');
  });

  it('when a Task id is derived from its referral, then it is a stable version-5 uuid unlike the referral id', () => {
    const referral = '5f0c7a52-3b1e-4f7e-9d2a-0c6f4b1e2a33';
    expect(referralTaskId(referral)).toBe(referralTaskId(referral));
    expect(referralTaskId(referral)).not.toBe(referral);
    expect(referralTaskId(referral)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(nameBasedUuid('a')).not.toBe(nameBasedUuid('b'));
  });

  it('when the reader may see initials only, then the Patient carries nothing else and the narrative escapes markup', () => {
    const src: CaseRecordsSource = {
      caseId: '11111111-1111-4111-8111-111111111111',
      reference: 'C-1',
      caseStatus: 'intake',
      caseManagerId: '22222222-2222-4222-8222-222222222222',
      client: { kind: 'initials', id: '33333333-3333-4333-8333-333333333333', initials: '<. &.' },
      plan: null,
      referrals: [],
      appointments: [],
      staff: [],
    };
    const bundle = caseBundle(src, new Date('2026-12-01T00:00:00Z'));
    expect(bundle).toEqual({
      resourceType: 'Bundle',
      type: 'collection',
      timestamp: '2026-12-01T00:00:00.000Z',
      entry: [
        {
          fullUrl: 'urn:uuid:33333333-3333-4333-8333-333333333333',
          resource: {
            resourceType: 'Patient',
            id: '33333333-3333-4333-8333-333333333333',
            text: {
              status: 'generated',
              div: '<div xmlns="http://www.w3.org/1999/xhtml">Client &#60;. &#38;.</div>',
            },
            name: [{ use: 'anonymous', text: '<. &.' }],
          },
        },
      ],
    });
  });
});
