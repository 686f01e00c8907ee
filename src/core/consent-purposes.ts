/**
 * What a client may consent to, each given or withdrawn on its own: sharing with providers in
 * general, sharing with one named provider, and email reminders sent to the client. Pure, so
 * workflows and pages can read it.
 */
export const CONSENT_PURPOSES = ['share_with_providers', 'share_with_provider', 'email_reminders'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

export const CONSENT_METHODS = ['verbal', 'written', 'electronic'] as const;
export type ConsentMethod = (typeof CONSENT_METHODS)[number];

/** What a check asks: may we share with this provider, or email this client a reminder? */
export type ConsentQuestion = { purpose: 'share'; providerId: string } | { purpose: 'email_reminders' };

export const CONSENT_PURPOSE_LABELS: Record<ConsentPurpose, string> = {
  share_with_providers: 'Share with providers in general',
  share_with_provider: 'Share with a named provider',
  email_reminders: 'Email reminders to the client',
};
