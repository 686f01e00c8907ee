import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { PATCHES } from '../../src/workflows/case-lifecycle';
import { testDataConverter } from '../helpers/codec';
import { workflowBundle } from '../helpers/temporal';

const RECORDED = path.join(__dirname, '..', 'histories', 'recorded');

/**
 * Every stored history was made by released workflow code. Today's code must replay each one
 * command for command; a change that running cases would replay differently fails here unless it
 * sits behind patched().
 */
describe('case workflow: replay of stored histories', () => {
  const files = fs.readdirSync(RECORDED).filter((f) => f.endsWith('.json'));

  it('when the stored histories are listed, then every workflow generation is represented', () => {
    expect(files.some((f) => f.startsWith('v1-'))).toBe(true);
    expect(files.some((f) => f.startsWith('v2-'))).toBe(true);
    expect(files.some((f) => f.startsWith('v3-'))).toBe(true);
    expect(files.some((f) => f.startsWith('v4-'))).toBe(true);
    expect(files.some((f) => f.startsWith('v5-'))).toBe(true);
    expect(files.some((f) => f.startsWith('v6-'))).toBe(true);
    // A chain that continued as new: its later runs start from carried state.
    expect(files.filter((f) => /^v2-continue-as-new-run\d+\.json$/.test(f)).length).toBeGreaterThanOrEqual(2);
  });

  /** The patch ids a stored history recorded markers for, in order. */
  const patchesIn = (file: string): string[] => {
    const history = JSON.parse(fs.readFileSync(path.join(RECORDED, file), 'utf8')) as {
      events: {
        markerRecordedEventAttributes?: { details?: Record<string, { payloads: { data: string }[] }> };
      }[];
    };
    return history.events.flatMap((e) =>
      (e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads ?? []).map(
        (p) => (JSON.parse(Buffer.from(p.data, 'base64').toString('utf8')) as { id: string }).id,
      ),
    );
  };

  it('when the v3 history is read, then its closure request went through the closure-pauses-clocks patch', () => {
    expect(patchesIn('v3-closure-pauses-clocks.json')).toEqual([
      PATCHES.clocksV2,
      PATCHES.closurePausesClocks,
    ]);
  });

  it('when the v4 history is read, then its projections went through the parties-projected patch', () => {
    expect(patchesIn('v4-parties-projected.json')).toEqual([
      PATCHES.clocksV2,
      PATCHES.partiesProjected,
      PATCHES.closurePausesClocks,
    ]);
  });

  it('when the v6 history is read, then its timers re-checked their step through the newest-step-after-wake patch', () => {
    expect(patchesIn('v6-newest-step-after-wake.json')).toContain(PATCHES.newestStepAfterWake);
    // Recorded before the patch existed: replays take the old path, without the marker.
    expect(patchesIn('v5-numbered-changes.json')).not.toContain(PATCHES.newestStepAfterWake);
  });

  it.each(files)(
    'when %s is replayed with the current code, then it replays without nondeterminism',
    async (file) => {
      const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(RECORDED, file), 'utf8')));
      await expect(
        Worker.runReplayHistory(
          { workflowBundle: await workflowBundle(), dataConverter: testDataConverter },
          history,
          file.replace(/\.json$/, ''),
        ),
      ).resolves.toBeUndefined();
    },
  );
});
