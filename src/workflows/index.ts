export { caseLifecycle } from './case-lifecycle';
export { staffDigests } from './staff-digests';
export { caseChangeFanOut } from './fan-out';
export { caseImport } from './case-import';
