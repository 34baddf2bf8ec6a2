/**
 * The one function that blanks the run's secrets (`source/text/secrets.ts`): what it catches
 * beyond a plain search, since servers are untrusted and text is cut to fit the screen.
 */
import { describe, expect, it } from 'vitest';
import { blankSecrets, registerSecrets } from '../../source/text/secrets.js';

const KEY = 'sk_live_SECRETS_TEST_9a8b7c6d5e';
registerSecrets([KEY]);

describe('blankSecrets', () => {
  it('blanks a secret whole, and one with invisible characters between its letters', () => {
    expect(blankSecrets(`key ${KEY} again ${KEY}`)).toBe('key [redacted] again [redacted]');
    for (const invisible of ['\u200b', '\u00ad', '\u2060', '\ufeff', '\u200d', '\ufe0f']) {
      const hidden = `${KEY.slice(0, 5)}${invisible}${KEY.slice(5, 20)}${invisible}${KEY.slice(20)}`;
      expect(blankSecrets(`is ${hidden}.`), JSON.stringify(invisible)).toBe('is [redacted].');
    }
  });

  it("blanks a secret's start cut short before an ellipsis, not a few shared letters", () => {
    expect(blankSecrets(`name ${KEY.slice(0, 14)}…`)).toBe('name [redacted]…');
    expect(blankSecrets(`${KEY.slice(0, 8)}… and ${KEY.slice(0, 20)}…`)).toBe(
      '[redacted]… and [redacted]…',
    );
    // Seven letters are ordinary text; so are the letters of a secret not at the cut.
    expect(blankSecrets(`${KEY.slice(0, 7)}…`)).toBe(`${KEY.slice(0, 7)}…`);
    expect(blankSecrets(`${KEY.slice(0, 12)} and more…`)).toBe(`${KEY.slice(0, 12)} and more…`);
  });

  it('takes a secret with dashes and escapes, among emoji with joiners and selectors', () => {
    const url = 'ws%3A%2F%2F127.0.0.1%3A34147%2Fcalls%2Fa8c0d246-e2c0-450a%2Fws?x=(1)[2]{3}|^$';
    const hidden = `${url.slice(0, 10)}\u200d${url.slice(10)}`;
    // ❤️ (a heart and its emoji selector) and a ZWJ family: what an agent's reply holds.
    expect(blankSecrets(`I ❤️ 👨‍👩‍👧 ${hidden} and ${KEY}`, [url])).toBe(
      'I ❤️ 👨‍👩‍👧 [redacted] and [redacted]',
    );
    expect(blankSecrets('I ❤️ it, 👨‍👩‍👧 too', [url])).toBe('I ❤️ it, 👨‍👩‍👧 too');
  });

  it('a text of nothing but ellipses, or a hostile start of a secret repeated, is done at once', () => {
    // Each ellipsis once searched back through the whole text for each secret: a 300 KB frame of
    // them took 20 s with ten secrets. (The test's timeout is what would catch it.)
    registerSecrets(Array.from({ length: 9 }, (_, i) => `tok_${i}_abcdefghijklmnopqrstuvwxyz`));
    expect(blankSecrets('…'.repeat(300_000))).toHaveLength(300_000);
    const many = `${KEY.slice(0, 9)} `.repeat(30_000);
    expect(blankSecrets(`${many}${KEY.slice(0, 12)}…`)).toBe(`${many}[redacted]…`);
  });

  it('blanks the secrets given as well as those registered, and leaves other text alone', () => {
    expect(blankSecrets('token=tok_abcdefgh12345 ok', ['tok_abcdefgh12345'])).toBe(
      'token=[redacted] ok',
    );
    const plain = 'Hello! The weather in Lisbon is sunny… 👨‍👩‍👧 🇵🇹';
    expect(blankSecrets(plain)).toBe(plain);
  });
});
