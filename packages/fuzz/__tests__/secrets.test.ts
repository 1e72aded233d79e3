/** The leak oracle finds a planted secret in every form it can take, and nothing else. */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { findLeaks, secretForms, type PlantedSecret } from '../src/secrets.js';

const secretArb = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9]{12,30}$/), fc.constantFrom('', '+/', '"', '\\', '%', ' ', '\u00e9'))
  .map(([body, odd]) => `Fz${body.slice(0, 6)}${odd}${body.slice(6)}`);
const textArb = fc.string({ maxLength: 40 });
const planted = (value: string): PlantedSecret[] => [{ label: 's', value }];

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

describe('findLeaks', () => {
  it.each([
    ['plain', (s: string, pre: string, post: string) => `${pre}${s}${post}`],
    ['base64 of the secret inside a longer text', (s: string, pre: string, post: string) => b64(`${pre}${s}${post}`)],
    ['base64url', (s: string, pre: string, post: string) => Buffer.from(`${pre}${s}${post}`).toString('base64url')],
    ['URL-encoded', (s: string, pre: string, post: string) => `${pre}${encodeURIComponent(s)}${post}`],
    ['JSON-escaped', (s: string, pre: string, post: string) => JSON.stringify({ text: `${pre}${s}${post}` })],
    ['a Basic authorization header', (s: string, pre: string) => `Authorization: Basic ${b64(`${pre}:${s}`)}`],
  ])('finds the secret %s, at any offset', (_name, encode) => {
    fc.assert(
      fc.property(secretArb, textArb, textArb, (secret, pre, post) => {
        expect(findLeaks('stdout', encode(secret, pre, post), planted(secret))).toHaveLength(1);
      }),
      { seed: 13, numRuns: 200 },
    );
  });

  it('finds each piece of a secret split by CR or LF, and their base64', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9]{10,20}$/),
        fc.stringMatching(/^[A-Za-z0-9]{10,20}$/),
        fc.constantFrom('\r', '\n', '\r\n'),
        (a, b, cut) => {
          const secret = `${a}${cut}${b}`;
          expect(findLeaks('log', `x ${b} y`, planted(secret))).toHaveLength(1);
          expect(findLeaks('log', `x ${a}***`, planted(secret))).toHaveLength(1);
          expect(findLeaks('log', b64(a), planted(secret))).toHaveLength(1);
        },
      ),
      { seed: 13, numRuns: 100 },
    );
  });

  it('finds nothing in text that holds only a masked or shortened secret', () => {
    fc.assert(
      fc.property(secretArb, textArb, (secret, text) => {
        const shown = `${text} ${secret.slice(0, 4)}*** ${text}`;
        expect(findLeaks('summary', shown, planted(secret))).toEqual([]);
      }),
      { seed: 13, numRuns: 200 },
    );
  });

  it('names the channel, the secret and the encoding, and never shows the secret itself', () => {
    const secret = 'FzPlantedSecret0123+/xyz';
    const [leak] = findLeaks('output report', `{"note":"${b64(`user:${secret}`)}"}`, planted(secret));
    expect(leak).toMatchObject({ channel: 'output report', secret: 's' });
    expect(leak?.encoding).toMatch(/^base64@[012]$/);
    expect(JSON.stringify(leak)).not.toContain(secret);
  });

  it('does not search for forms too short to mean anything', () => {
    expect(secretForms('short').map((f) => f.text)).toEqual([]);
    const texts = secretForms('abcdefgh\nij').map((f) => f.text);
    expect(texts).toContain('abcdefgh');
    expect(texts).not.toContain('ij');
  });
});
