import { formatIn } from '../../src/notifications/date-formats';

describe('email date formats', () => {
  const at = new Date('2027-03-02T14:30:00Z');

  it('when one instant is shown in several zones in turn, then each reading is in its own zone', () => {
    expect(formatIn('when', 'Europe/London', at)).toBe('Tue, 2 Mar 2027, 14:30 GMT');
    expect(formatIn('when', 'America/New_York', at)).toBe('Tue, 2 Mar 2027, 09:30 GMT-5');
    // Asked again after another zone: still London's reading, not the last formatter used.
    expect(formatIn('when', 'Europe/London', at)).toBe('Tue, 2 Mar 2027, 14:30 GMT');
    expect(formatIn('timeShort', 'Asia/Tokyo', at)).toBe('23:30 GMT+9');
  });

  it('when the same zone is asked for different formats, then each format keeps its own shape', () => {
    expect(formatIn('day', 'Pacific/Auckland', at)).toBe('3 Mar 2027');
    expect(formatIn('dayShort', 'Pacific/Auckland', at)).toBe('Wed 3 Mar');
  });

  it('when the zone is unknown, then it fails as Intl does and nothing is kept for it', () => {
    expect(() => formatIn('when', 'Mars/Olympus', at)).toThrow(RangeError);
    expect(() => formatIn('when', 'Mars/Olympus', at)).toThrow(RangeError);
  });
});
