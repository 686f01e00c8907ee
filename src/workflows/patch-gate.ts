import { patched } from '@temporalio/workflow';
import { ASKED_AT_START, PATCHES } from './patches';

export type PatchId = (typeof PATCHES)[keyof typeof PATCHES];

/** Whether a patch is in force for this run. */
export type InForce = (patch: PatchId) => boolean;

/**
 * Asked once, at the start of a run: a run that starts past 'patches-decided-at-start' runs every
 * earlier patch, so it asks none of them (no marker, no history event). Older runs ask each one
 * where they always did, so they replay as they ran.
 *
 * Why not ask them where they are used: a worker that answers a query while a local activity's
 * result waits completes the task early, and on replay the workflow then reaches the next patch
 * before the task that recorded it is read, is told "no", and fails.
 */
export function patchesInForce(): InForce {
  const current = patched(PATCHES.decidedAtStart);
  // Newer patches: asked here and only here, in a fixed order, and only by runs past the one above.
  const newer = new Set(ASKED_AT_START.filter((patch) => current && patched(patch)));
  return (patch) => (ASKED_AT_START.includes(patch) ? newer.has(patch) : current || patched(patch));
}
