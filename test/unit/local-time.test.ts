import { instantFromLocal, localInputValue } from '../../src/api/web/local-time';

describe('a date and time typed on a form, in the viewer’s time zone', () => {
  it('when the zone is on summer time or standard time, then the instant is the wall-clock time less the offset then', () => {
    expect(instantFromLocal('2027-01-15T14:30', 'Europe/London')).toBe('2027-01-15T14:30:00.000Z');
    expect(instantFromLocal('2027-07-15T14:30', 'Europe/London')).toBe('2027-07-15T13:30:00.000Z');
    expect(instantFromLocal('2027-07-15T14:30', 'America/New_York')).toBe('2027-07-15T18:30:00.000Z');
    expect(instantFromLocal('2027-07-15T14:30', 'Asia/Kolkata')).toBe('2027-07-15T09:00:00.000Z');
  });

  it('when the text is not a real date and time, then there is no instant', () => {
    for (const text of ['2027-02-30T10:00', '2027-13-01T10:00', '2027-01-01T24:00', '2027-01-01', 'soon', ''])
      expect(instantFromLocal(text, 'UTC')).toBeUndefined();
  });

  it('when an instant is shown back in a form, then it reads as the zone’s wall clock', () => {
    expect(localInputValue(new Date('2027-07-15T13:30:00Z'), 'Europe/London')).toBe('2027-07-15T14:30');
    expect(localInputValue(new Date('2027-07-15T23:30:00Z'), 'Asia/Kolkata')).toBe('2027-07-16T05:00');
  });
});
