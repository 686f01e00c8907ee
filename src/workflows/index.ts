export { caseLifecycle } from './case-lifecycle';
export { staffDigests } from './staff-digests';
