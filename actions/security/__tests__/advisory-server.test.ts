/** The fake bulk advisory endpoint answers like the real one (see advisory-server.ts). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { answerBulk, recordedAdvisories, startAdvisoryServer } from './helpers/advisory-server.js';
import type { AdvisoryServer } from './helpers/advisory-server.js';

describe('advisory server', () => {
  let server: AdvisoryServer;
  beforeAll(async () => {
    server = await startAdvisoryServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const post = (body: Buffer | string, headers: Record<string, string> = {}) =>
    fetch(new URL('-/npm/v1/security/advisories/bulk', server.url), {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });

  it('answers a gzip-compressed body as npm sends it', async () => {
    const res = await post(gzipSync(JSON.stringify({ lodash: ['4.17.15'], 'left-pad': ['1.3.0'] })), {
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, { id: number }[]>;
    expect(Object.keys(body)).toEqual(['lodash']);
    expect(body['lodash']?.map((a) => a.id)).toEqual([1106913, 1106920, 1108258, 1112455, 1115806, 1115810]);
    expect(server.requests.at(-1)).toMatchObject({
      method: 'POST',
      contentEncoding: 'gzip',
      body: { lodash: ['4.17.15'], 'left-pad': ['1.3.0'] },
    });
  });

  it('answers a plain JSON body too, and rejects a bad one', async () => {
    expect((await post(JSON.stringify({ lodash: ['4.17.20'] }))).status).toBe(200);
    expect((await post('not json')).status).toBe(400);
    expect((await post('["lodash"]')).status).toBe(400);
  });

  it.each([
    ['4.17.15', 6],
    ['4.17.20', 5],
    ['4.17.21', 3],
    ['4.17.23', 2],
    ['4.18.1', 0],
    ['3.6.0', 2],
  ])('only returns advisories that affect lodash@%s (%i)', (version, count) => {
    expect(answerBulk({ lodash: [version] }, recordedAdvisories())['lodash'] ?? []).toHaveLength(count);
  });

  it('serves the recorded packument with its own tarball URLs, and 404 otherwise', async () => {
    const res = await fetch(new URL('lodash', server.url));
    const packument = (await res.json()) as { versions: Record<string, { dist: { tarball: string } }> };
    expect(packument.versions['4.17.21']?.dist.tarball).toBe(`${server.url}lodash/-/lodash-4.17.21.tgz`);
    expect((await fetch(new URL('nope', server.url))).status).toBe(404);
    expect(
      (await fetch(new URL('-/npm/v1/security/audits/quick', server.url), { method: 'POST', body: '{}' })).status,
    ).toBe(404);
  });

  it('can fail the bulk endpoint on purpose', async () => {
    server.setBulkFailure({ status: 503, body: '{"error":"Service Unavailable"}' });
    expect((await post('{"lodash":["4.17.15"]}')).status).toBe(503);
    server.setBulkFailure(undefined);
  });
});
