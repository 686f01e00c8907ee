/**
 * What a page says after a form worked. Forms redirect with `?notice=<key>` (never free text, so a
 * link cannot make Caseloop say something it did not); the page shows the sentence. "Pending"
 * variants are for changes the case's workflow has not applied yet (the API's 202).
 */
export const NOTICES = {
  'case-opened': 'Case opened. Its first obligations are on the schedule.',
  'case-opened-pending': 'Case opened. Its schedule will appear in a moment.',
  'assessment-recorded': 'Assessment recorded.',
  'assessment-recorded-risk-changed':
    'Assessment recorded and the risk level changed: reassessment follows the new level.',
  'assessment-recorded-risk-unchanged':
    'Assessment recorded. The risk level was not changed, because the case’s schedule is still updating.',
  'plan-drafted': 'Plan saved as a draft. Submit it for approval when it is ready.',
  'plan-submitted': 'Plan submitted. Your supervisor has been told.',
  'progress-recorded': 'Progress recorded.',
  'referral-made': 'Referral made. Caseloop will chase the provider for an answer.',
  'referral-updated': 'Referral updated.',
  'note-added': 'Note added.',
  'note-amended': 'Amendment added. The original note is kept.',
  'case-on-hold': 'Case on hold. Its clocks are paused.',
  'case-resumed': 'Case resumed. Its clocks are running again.',
  'closure-requested': 'Closure requested. Your supervisor has been told.',
  'case-reopened': 'Case reopened.',
  'case-handed-over': 'Case handed over. Its reminders and escalations go to the new people from now on.',
  acknowledged: 'Escalation acknowledged.',
  'plan-approved': 'Plan approved. Its goals are now on the case’s schedule.',
  'plan-returned': 'Plan returned to the case manager with your note.',
  'closure-approved': 'Closure approved. The case is closed.',
  'closure-returned': 'Closure request returned to the case manager with your note.',
  'change-pending': 'Saved. The case’s schedule will update in a moment.',
  'policy-saved': 'Policy saved as a new version. Running cases move to it in a moment.',
  'password-set': 'Your password is set and you are signed in.',
  'signed-out': 'You are signed out.',
  'staff-invited': 'Added to the staff. The invitation email is on its way.',
  'changes-saved': 'Changes saved.',
  'nothing-changed': 'Nothing was changed: the form was the same as the record.',
  'staff-deactivated': 'Deactivated. They can no longer sign in, and what they held has moved.',
  'staff-reactivated': 'Reactivated. They can sign in again.',
  'invitation-sent': 'Invitation sent. Any earlier link no longer works.',
  'signed-out-everywhere': 'Signed out everywhere: every browser session of theirs has ended.',
  'token-revoked': 'Token revoked. Requests with it are refused from now on.',
  'program-created': 'Program created. It starts on the default policy until its manager changes it.',
  'program-deactivated': 'Program deactivated. New intakes are refused; its open cases carry on.',
  'program-reactivated': 'Program reactivated. It takes new intakes again.',
  'provider-created': 'Provider added to the directory.',
  'provider-deactivated': 'Provider deactivated. New referrals to it are refused; open ones carry on.',
  'provider-reactivated': 'Provider reactivated. Referrals to it can be made again.',
  'session-ended':
    'Your session had ended, so what you sent was not saved and nothing was changed. Sign in, then send it again.',
  'task-added': 'Task added. Its reminders go to the person who does it.',
  'task-done': 'Task marked done. Its reminders have stopped.',
  'task-cancelled': 'Task cancelled. Its reminders have stopped.',
  'consent-recorded': 'Consent recorded. The client’s open cases follow it.',
  'appointment-scheduled': 'Appointment scheduled. Everyone attending gets a calendar invitation.',
  'attendance-recorded': 'Attendance recorded.',
  'appointment-cancelled': 'Appointment cancelled. Everyone attending gets the cancellation.',
  'appointment-changed': 'Appointment changed. Everyone attending gets the changed invitation.',
} as const;

export type NoticeKey = keyof typeof NOTICES;

export function noticeFor(key: unknown): string | undefined {
  return typeof key === 'string' && Object.hasOwn(NOTICES, key) ? NOTICES[key as NoticeKey] : undefined;
}
