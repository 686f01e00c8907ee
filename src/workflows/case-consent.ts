import type { CaseNews, ConsentChanged, Obligation } from '../core/case-contract';
import { isOpen, type Decision } from '../core/case-schedule';

/**
 * What a client's consent does to a running case (the `consent_changed` event): the workflow keeps
 * the latest statement per purpose in `CaseState.consent`, and a withdrawal of sharing ends the
 * provider emails still pending for the referrals it names, saying so on the timeline.
 */

/** Per purpose, the latest statement told to the case: given or withdrawn, and when. */
export interface CaseConsent {
  /** Email reminders to the client (appointments): false means none may be scheduled or sent. */
  emailReminders?: { given: boolean; at: string };
  /** Sharing with providers in general. */
  shareWithProviders?: { given: boolean; at: string };
}

interface ConsentState {
  obligations: Obligation[];
  decisions: Decision[];
  news?: CaseNews[];
  consent?: CaseConsent;
}

const PROVIDER_FOLLOW_UP = 'provider_follow_up';

const PURPOSE_WORDS: Record<ConsentChanged['purpose'], string> = {
  share_with_providers: 'sharing with providers',
  share_with_provider: 'sharing with the referral’s provider',
  email_reminders: 'email reminders to the client',
};

export function applyConsent(state: ConsentState, event: ConsentChanged, now: number): void {
  const statement = { given: event.given, at: event.at };
  if (event.purpose === 'email_reminders') (state.consent ??= {}).emailReminders = statement;
  if (event.purpose === 'share_with_providers') (state.consent ??= {}).shareWithProviders = statement;
  if (event.given) return;
  const stopped = new Set(event.referralIds ?? []);
  if (stopped.size === 0) return;
  // A referral email still queued for the provider does not go.
  if (state.news)
    state.news = state.news.filter((n) => !(n.what === 'referral_sent' && stopped.has(n.referralId ?? '')));
  for (const o of state.obligations) {
    if (o.kind !== 'referral_response' || !isOpen(o) || !stopped.has(o.subjectId ?? '')) continue;
    if (o.sent.includes(PROVIDER_FOLLOW_UP) || o.skipped.includes(PROVIDER_FOLLOW_UP)) continue;
    o.skipped.push(PROVIDER_FOLLOW_UP);
    state.decisions.push({
      key: `${o.id}/skipped/${PROVIDER_FOLLOW_UP}/consent-${now}`,
      at: now,
      obligationId: o.id,
      obligationKind: o.kind,
      what: 'skipped',
      detail: `consent withdrawn: ${PURPOSE_WORDS[event.purpose]}; the follow-up to the provider will not be sent`,
      dueAt: o.dueAt,
    });
  }
}

/** The timeline's line for a provider email the record no longer allowed as it was to go. */
export function consentSkipDecision(
  o: Obligation,
  now: number,
  reason: string,
  what: 'follow-up' | 'referral email',
): Decision {
  const step = what === 'follow-up' ? PROVIDER_FOLLOW_UP : 'referral_sent';
  return {
    key: `${o.id}/skipped/${step}/at-send`,
    at: now,
    obligationId: o.id,
    obligationKind: o.kind,
    what: 'skipped',
    detail: `${reason}; the ${what} to the provider was not sent`,
    dueAt: o.dueAt,
  };
}
