import { describe, expect, it } from '@jest/globals';
import {
  localImageRef,
  mapImage,
  mapImages,
  parseReference,
  registryHost,
} from '../../../src/emulations/docker/registry-mapping.js';

const LOCAL = '127.0.0.1:5000';
const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('registry mapping: every pushed image goes to the local registry under the same path', () => {
  it.each<[string, string]>([
    ['ghcr.io/acme/widget:main', '127.0.0.1:5000/acme/widget:main'],
    ['ghcr.io/acme/widget', '127.0.0.1:5000/acme/widget'],
    [`ghcr.io/acme/widget@${DIGEST}`, `127.0.0.1:5000/acme/widget@${DIGEST}`],
    [`ghcr.io/acme/widget:1.2.3@${DIGEST}`, `127.0.0.1:5000/acme/widget:1.2.3@${DIGEST}`],
    ['registry.example.com:8443/team/sub/app:v1', '127.0.0.1:5000/team/sub/app:v1'],
    ['acme/widget:dev', '127.0.0.1:5000/acme/widget:dev'],
    ['widget', '127.0.0.1:5000/library/widget'],
    ['localhost:5001/x/y:z', '127.0.0.1:5000/x/y:z'],
    ['127.0.0.1:5000/acme/widget:main', '127.0.0.1:5000/acme/widget:main'],
    ['ghcr.io/acme/my_app.v2-beta:1', '127.0.0.1:5000/acme/my_app.v2-beta:1'],
  ])('%s → %s', (from, to) => {
    expect(mapImage(from, LOCAL).to).toBe(to);
  });

  it.each<[string, RegExp]>([
    ['ghcr.io/Acme/widget:main', /repository name \(Acme\/widget\) must be lowercase/],
    ['ghcr.io/acme/Widget', /repository name \(acme\/Widget\) must be lowercase/],
    ['ghcr.io/acme/widget:bad/tag', /repository path components must be lowercase/],
    ['ghcr.io/acme/widget:-x', /tag "-x" must match/],
    [`ghcr.io/acme/widget@sha256:abc`, /digest must be <algorithm>:<hex, 32\+ digits>/],
    ['ghcr.io/acme//widget', /repository path components/],
    ['', /at least one component/],
    [`ghcr.io/${'a'.repeat(260)}`, /must not be more than 255 characters/],
  ])('rejects %j', (ref, message) => {
    expect(() => mapImage(ref, LOCAL)).toThrow(message);
  });

  it('lists each distinct mapping once, in order', () => {
    const result = mapImages(
      ['ghcr.io/acme/widget:main', 'ghcr.io/acme/widget:sha-abc1234', 'ghcr.io/acme/widget:main', `${LOCAL}/x:y`],
      LOCAL,
    );
    expect(result.refs).toEqual([
      `${LOCAL}/acme/widget:main`,
      `${LOCAL}/acme/widget:sha-abc1234`,
      `${LOCAL}/acme/widget:main`,
      `${LOCAL}/x:y`,
    ]);
    expect(result.mappings).toEqual([
      { from: 'ghcr.io/acme/widget:main', to: `${LOCAL}/acme/widget:main` },
      { from: 'ghcr.io/acme/widget:sha-abc1234', to: `${LOCAL}/acme/widget:sha-abc1234` },
    ]);
  });

  it('only redirected hosts map when the runner restricts them; others are refused', () => {
    expect(mapImage('ghcr.io/acme/widget', LOCAL, ['ghcr.io']).to).toBe(`${LOCAL}/acme/widget`);
    expect(() => mapImage('quay.io/acme/widget', LOCAL, ['ghcr.io'])).toThrow(
      /registry quay.io is not redirected to the local registry \(redirected: ghcr.io\)/,
    );
  });

  it('refuses a local registry that is not loopback', () => {
    expect(() => mapImage('ghcr.io/a/b', '10.0.0.5:5000')).toThrow(/must be a loopback host:port/);
  });

  it('the pullable image-ref for the report is name@digest in the local registry', () => {
    expect(localImageRef(`ghcr.io/acme/widget@${DIGEST}`, LOCAL)).toBe(`${LOCAL}/acme/widget@${DIGEST}`);
  });

  it('parses the parts as Docker does (Docker Hub names get library/)', () => {
    expect(parseReference('node:24-bookworm-slim')).toEqual({
      domain: 'docker.io',
      path: 'library/node',
      tag: '24-bookworm-slim',
    });
    expect(parseReference('gcr.io/distroless/nodejs24-debian12:nonroot')).toEqual({
      domain: 'gcr.io',
      path: 'distroless/nodejs24-debian12',
      tag: 'nonroot',
    });
  });

  it.each<[string, string]>([
    ['ghcr.io', 'ghcr.io'],
    ['https://ghcr.io/', 'ghcr.io'],
    ['', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['127.0.0.1:5000', '127.0.0.1:5000'],
  ])('login registry %j is host %s', (value, host) => {
    expect(registryHost(value)).toBe(host);
  });
});
