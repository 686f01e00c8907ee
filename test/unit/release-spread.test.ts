import { randomUUID } from 'node:crypto';
import { releaseOffsetMinutes } from '../../src/core/release-spread';

describe('release spread: each case’s minute after the working start', () => {
  it('when a program’s cases are spread over 15 minutes, then every minute gets a fair share of them', () => {
    const counts = new Array<number>(15).fill(0);
    for (let i = 0; i < 15_000; i++) counts[releaseOffsetMinutes(randomUUID(), 15)]!++;
    // 1,000 a minute on average; a burst at one minute would leave others nearly empty.
    for (const n of counts) expect(n).toBeGreaterThan(850);
    for (const n of counts) expect(n).toBeLessThan(1150);
  });

  it('when a case is asked again, then it gets the same minute: the function is fixed (a recorded case’s timers depend on it)', () => {
    const id = randomUUID();
    expect(releaseOffsetMinutes(id, 15)).toBe(releaseOffsetMinutes(id, 15));
    // The case in test/histories/recorded/v14-release-spread.json, whose held timers fired at 08:01.
    expect(releaseOffsetMinutes('2e03c443-bba8-46c4-bca7-d73b69263a3b', 15)).toBe(1);
    expect(releaseOffsetMinutes('9aa117be-0dde-4654-9efc-d75947dd12d0', 15)).toBe(0);
  });

  it('when there is no spread (0 or 1 minute), then every case leaves at the working start', () => {
    expect(releaseOffsetMinutes(randomUUID(), 0)).toBe(0);
    expect(releaseOffsetMinutes(randomUUID(), 1)).toBe(0);
  });

  it('when the spread is 60 minutes, then minutes stay within 0–59', () => {
    for (let i = 0; i < 1000; i++) {
      const m = releaseOffsetMinutes(randomUUID(), 60);
      expect(Number.isInteger(m) && m >= 0 && m < 60).toBe(true);
    }
  });
});
