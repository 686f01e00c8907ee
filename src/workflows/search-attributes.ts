import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * Caseloop's custom search attributes: identifiers, statuses and dates only, never client details.
 * Registered by the dev stack and by `npm run temporal:setup`.
 */
export const SA = {
  CaseId: defineSearchAttributeKey('CaseId', 'KEYWORD'),
  CaseStatus: defineSearchAttributeKey('CaseStatus', 'KEYWORD'),
  Program: defineSearchAttributeKey('Program', 'KEYWORD'),
  CaseManagerId: defineSearchAttributeKey('CaseManagerId', 'KEYWORD'),
  SupervisorId: defineSearchAttributeKey('SupervisorId', 'KEYWORD'),
  RiskLevel: defineSearchAttributeKey('RiskLevel', 'KEYWORD'),
  NextDueAt: defineSearchAttributeKey('NextDueAt', 'DATETIME'),
  OverdueCount: defineSearchAttributeKey('OverdueCount', 'INT'),
  EscalationLevel: defineSearchAttributeKey('EscalationLevel', 'INT'),
  OnHold: defineSearchAttributeKey('OnHold', 'BOOL'),
} as const;

export const ALL_SEARCH_ATTRIBUTES = Object.values(SA);
