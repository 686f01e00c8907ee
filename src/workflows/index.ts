export { caseLifecycle } from './case-lifecycle';
