import { scenariosToRecord } from '../histories/recording-plan';

const scenarios = [{ name: 'v6-newest-step-after-wake' }, { name: 'v6-staff-digests' }, { name: 'v7-next' }];
const recorded = ['v1-initial-assessment-ladder.json', 'v6-newest-step-after-wake.json'];

describe('history recording: a generation is recorded once', () => {
  it.each([undefined, '', '  '])(
    'when no prefix is given (%p), then nothing is recorded and the message says how to name one',
    (prefix) => {
      expect(() => scenariosToRecord(prefix, scenarios, recorded)).toThrow(
        /HISTORIES_PREFIX is required.*HISTORIES_PREFIX=v7 npm run histories:record/,
      );
    },
  );

  it('when the prefix matches a generation already stored, then nothing is recorded and the stored files are named', () => {
    expect(() => scenariosToRecord('v6', scenarios, recorded)).toThrow(
      "Refusing to overwrite recorded histories starting with 'v6': v6-newest-step-after-wake.json.",
    );
    expect(() => scenariosToRecord('v', scenarios, recorded)).toThrow(
      /v1-initial-assessment-ladder\.json, v6-newest-step-after-wake\.json/,
    );
  });

  it('when no scenario carries the prefix, then nothing is recorded', () => {
    expect(() => scenariosToRecord('v8', scenarios, recorded)).toThrow(
      /No history scenario's name starts with 'v8'/,
    );
  });

  it('when the prefix names only unrecorded scenarios, then exactly those are recorded', () => {
    expect(scenariosToRecord('v7', scenarios, recorded)).toEqual([{ name: 'v7-next' }]);
    expect(scenariosToRecord('v6-staff', scenarios, recorded)).toEqual([{ name: 'v6-staff-digests' }]);
  });
});
