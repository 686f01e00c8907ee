import type { TxOptions } from '../db/tx';

/**
 * For a transaction that stages one change for many open cases (a policy, calendar or consent
 * change): it locks every one of them, so meeting a case's own writer in a deadlock is ordinary.
 * PostgreSQL then rolls it back whole, and running it again is the answer, not a 503.
 */
export const MANY_CASES: TxOptions = { retriesWhenBusy: 3 };
