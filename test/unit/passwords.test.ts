import {
  CURRENT_PARAMS,
  hashPassword,
  needsRehash,
  passwordProblem,
  verifyPassword,
  verifyAgainstDecoy,
} from '../../src/domain/passwords';

describe('staff passwords', () => {
  it('when a password is hashed, then the stored string names scrypt and its parameters, and only that password verifies', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{86}==$/);
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', stored)).toBe(false);
    expect(await verifyPassword('Correct horse battery staple', stored)).toBe(false);
    expect(needsRehash(stored)).toBe(false);
  });

  it('when the same password is hashed twice, then the salts differ, so the stored strings do too', async () => {
    const [a, b] = await Promise.all([
      hashPassword('same password here'),
      hashPassword('same password here'),
    ]);
    expect(a).not.toBe(b);
    expect(a.split('$')[3]).not.toBe(b.split('$')[3]);
  });

  it('when a hash was made with older (cheaper) parameters, then it still verifies and is flagged for rehashing', async () => {
    const old = await hashPassword('an older password', { ln: 14, r: 8, p: 1 });
    expect(old).toMatch(/^\$scrypt\$ln=14,r=8,p=1\$/);
    expect(await verifyPassword('an older password', old)).toBe(true);
    expect(needsRehash(old)).toBe(true);
    expect(CURRENT_PARAMS).toEqual({ ln: 17, r: 8, p: 1 });
  });

  it('when the stored string is damaged or absurd, then nothing verifies and nothing throws', async () => {
    const good = await hashPassword('a good password');
    for (const stored of [
      '',
      'plain text',
      good.replace('$scrypt$', '$bcrypt$'),
      good.replace('ln=17', 'ln=40'),
      good.replace('ln=17', 'ln=0'),
      good.slice(0, -10),
      '$scrypt$ln=17,r=8,p=1$$',
    ]) {
      expect(await verifyPassword('a good password', stored)).toBe(false);
    }
  });

  it('when an unknown account signs in, then the decoy check refuses it (spending the same work)', async () => {
    expect(await verifyAgainstDecoy('anything at all')).toBe(false);
  });

  it.each([
    ['short', 'too short', /at least 12 characters/],
    ['x'.repeat(257), 'too long', /at most 256 characters/],
    ['ada.lovelace@example.org', 'the email', /email address/],
    [' ADA.Lovelace@Example.org ', 'the email in other case', /email address/],
    ['ada.lovelace', 'the email before the @', /email address/],
  ])('when the new password is %j (%s), then it is refused with a reason', (password, _what, reason) => {
    expect(passwordProblem(password, 'ada.lovelace@example.org')).toMatch(reason);
  });

  it('when the new password is 12 to 256 characters and not the email, then it is accepted', () => {
    expect(passwordProblem('twelve chars', 'ada@example.org')).toBeUndefined();
    expect(passwordProblem('x'.repeat(256), 'ada@example.org')).toBeUndefined();
    // Characters, not bytes: twelve emoji are twelve characters.
    expect(passwordProblem('🔑'.repeat(12), 'ada@example.org')).toBeUndefined();
  });
});
