-- Up Migration
-- Consent is given or withdrawn per purpose: sharing with providers in general, sharing with one
-- named provider, or email reminders to the client. Each statement also says how it was given.
-- Rows before this migration were all about sharing with providers in general.
ALTER TABLE client_consents
  ADD COLUMN purpose text NOT NULL DEFAULT 'share_with_providers'
    CHECK (purpose IN ('share_with_providers', 'share_with_provider', 'email_reminders')),
  ADD COLUMN provider_id uuid REFERENCES providers(id),
  ADD COLUMN method text CHECK (method IN ('verbal', 'written', 'electronic'));
ALTER TABLE client_consents
  ADD CONSTRAINT client_consents_provider_named
    CHECK ((purpose = 'share_with_provider') = (provider_id IS NOT NULL));
-- The latest statement per client and purpose (and provider) is the one that counts.
CREATE INDEX client_consents_purpose_idx ON client_consents (client_id, purpose, provider_id, at DESC);

-- Down Migration
DROP INDEX client_consents_purpose_idx;
ALTER TABLE client_consents DROP CONSTRAINT client_consents_provider_named;
ALTER TABLE client_consents DROP COLUMN method, DROP COLUMN provider_id, DROP COLUMN purpose;
