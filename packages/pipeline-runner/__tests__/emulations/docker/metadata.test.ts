import { describe, expect, it } from '@jest/globals';
import { computeMetadata, metadataAction, parseMetadataInputs } from '../../../src/emulations/docker/metadata.js';
import type { GitHubContext } from '../../../src/emulations/docker/types.js';
import { FakeIO, SHA, context, github } from '../../helpers/docker-fake-io.js';

// The build job's own metadata-action step (.github/workflows/pipeline.yml).
const WORKFLOW_TAGS = [
  'type=ref,event=branch',
  'type=ref,event=pr',
  'type=semver,pattern={{version}}',
  'type=semver,pattern={{major}}.{{minor}}',
  'type=semver,pattern={{major}}',
  'type=sha,format=short,prefix=sha-',
].join('\n');
const IMAGE = 'ghcr.io/acme/widget';

function tagsFor(
  inputs: Record<string, string>,
  gh: Partial<GitHubContext>,
  env: Record<string, string> = {},
): { tags: string[]; version: string; warnings: string[] } {
  const result = computeMetadata(parseMetadataInputs(inputs), github(gh), env);
  return { tags: result.tags, version: result.version.main ?? '', warnings: result.warnings };
}

describe('metadata-action: the workflow tag set on each event', () => {
  it.each<[string, Partial<GitHubContext>, string[]]>([
    ['push to the default branch', { ref: 'refs/heads/main' }, [`${IMAGE}:main`, `${IMAGE}:sha-abc1234`]],
    [
      'push to feature/x (slash sanitised)',
      { ref: 'refs/heads/feature/x' },
      [`${IMAGE}:feature-x`, `${IMAGE}:sha-abc1234`],
    ],
    [
      'push to a branch with odd characters',
      { ref: 'refs/heads/fix/#12@wip' },
      [`${IMAGE}:fix-12-wip`, `${IMAGE}:sha-abc1234`],
    ],
    [
      'tag v1.2.3',
      { ref: 'refs/tags/v1.2.3' },
      [`${IMAGE}:1.2.3`, `${IMAGE}:1.2`, `${IMAGE}:1`, `${IMAGE}:sha-abc1234`, `${IMAGE}:latest`],
    ],
    [
      'prerelease tag v2.0.0-rc.1 (no 2.0 / 2, no latest)',
      { ref: 'refs/tags/v2.0.0-rc.1' },
      [`${IMAGE}:2.0.0-rc.1`, `${IMAGE}:sha-abc1234`],
    ],
    [
      'tag v0.3.0 ({{major}} is 0)',
      { ref: 'refs/tags/v0.3.0' },
      [`${IMAGE}:0.3.0`, `${IMAGE}:0.3`, `${IMAGE}:0`, `${IMAGE}:sha-abc1234`, `${IMAGE}:latest`],
    ],
    [
      'tag with build metadata v1.2.3+b7',
      { ref: 'refs/tags/v1.2.3+b7' },
      [`${IMAGE}:1.2.3`, `${IMAGE}:1.2`, `${IMAGE}:1`, `${IMAGE}:sha-abc1234`, `${IMAGE}:latest`],
    ],
    [
      'pull request 42',
      { eventName: 'pull_request', ref: 'refs/pull/42/merge' },
      [`${IMAGE}:pr-42`, `${IMAGE}:sha-abc1234`],
    ],
    ['non-semver tag release-7 (only the sha tag)', { ref: 'refs/tags/release-7' }, [`${IMAGE}:sha-abc1234`]],
  ])('%s', (_name, gh, expected) => {
    expect(tagsFor({ images: IMAGE, tags: WORKFLOW_TAGS }, gh).tags).toEqual(expected);
  });

  it('the version output is the highest-priority value', () => {
    expect(tagsFor({ images: IMAGE, tags: WORKFLOW_TAGS }, { ref: 'refs/tags/v1.2.3' }).version).toBe('1.2.3');
    expect(tagsFor({ images: IMAGE, tags: WORKFLOW_TAGS }, { ref: 'refs/heads/feature/x' }).version).toBe('feature-x');
    expect(
      tagsFor({ images: IMAGE, tags: WORKFLOW_TAGS }, { eventName: 'pull_request', ref: 'refs/pull/42/merge' }).version,
    ).toBe('pr-42');
  });

  it('warns about a tag that is not semver', () => {
    expect(tagsFor({ images: IMAGE, tags: WORKFLOW_TAGS }, { ref: 'refs/tags/release-7' }).warnings).toContain(
      'release-7 is not a valid semver. More info: https://semver.org/',
    );
  });
});

describe('metadata-action: latest, flavor, priority, de-duplication', () => {
  const latestOnDefault = 'type=ref,event=branch\ntype=raw,value=latest,enable={{is_default_branch}}';
  it.each<[string, Record<string, string>, Partial<GitHubContext>, string[]]>([
    [
      'default branch gets latest through {{is_default_branch}}',
      { tags: latestOnDefault },
      { ref: 'refs/heads/main' },
      ['main', 'latest'],
    ],
    ['another branch does not', { tags: latestOnDefault }, { ref: 'refs/heads/dev' }, ['dev']],
    [
      'default branch from the event payload wins over the repository data',
      { tags: latestOnDefault },
      { ref: 'refs/heads/trunk', payload: { repository: { default_branch: 'trunk' } } },
      ['trunk', 'latest'],
    ],
    [
      'latest=auto: type=ref,event=tag adds latest even for a prerelease',
      { tags: 'type=ref,event=tag' },
      { ref: 'refs/tags/v2.0.8-beta.67' },
      ['v2.0.8-beta.67', 'latest'],
    ],
    [
      'latest=false on a release tag',
      { tags: 'type=semver,pattern={{version}}', flavor: 'latest=false' },
      { ref: 'refs/tags/v1.2.3' },
      ['1.2.3'],
    ],
    [
      'latest=true on a branch',
      { tags: 'type=ref,event=branch', flavor: 'latest=true' },
      { ref: 'refs/heads/dev' },
      ['dev', 'latest'],
    ],
    [
      'flavor prefix/suffix, latest untouched without onlatest',
      { tags: 'type=semver,pattern={{version}}', flavor: 'prefix=app-\nsuffix=-slim' },
      { ref: 'refs/tags/v1.2.3' },
      ['app-1.2.3-slim', 'latest'],
    ],
    [
      'flavor suffix with onlatest=true',
      { tags: 'type=semver,pattern={{version}}', flavor: 'suffix=-slim,onlatest=true' },
      { ref: 'refs/tags/v1.2.3' },
      ['1.2.3-slim', 'latest-slim'],
    ],
    [
      'a tag prefix wins over the flavor prefix',
      { tags: 'type=sha,prefix=git-', flavor: 'prefix=app-' },
      {},
      ['git-abc1234'],
    ],
    [
      'priority decides the version and latest: raw first',
      { tags: 'type=raw,value=stable,priority=2000\ntype=semver,pattern={{version}}' },
      { ref: 'refs/tags/v1.2.3' },
      ['stable', '1.2.3'],
    ],
    ['equal priorities keep their order', { tags: 'type=raw,value=b\ntype=raw,value=a' }, {}, ['b', 'a']],
    [
      'duplicate values appear once',
      { tags: 'type=semver,pattern={{raw}}\ntype=ref,event=tag\ntype=match,pattern=v(.*),group=0' },
      { ref: 'refs/tags/v1.2.3' },
      ['v1.2.3', 'latest'],
    ],
    [
      'prerelease keeps {{raw}} when the pattern is exactly {{raw}}',
      { tags: 'type=semver,pattern={{raw}}' },
      { ref: 'refs/tags/v2.0.0-rc.1' },
      ['v2.0.0-rc.1'],
    ],
    [
      'semver value attribute on a branch',
      { tags: 'type=semver,pattern={{major}}.{{minor}},value=v3.4.5' },
      { ref: 'refs/heads/main' },
      ['3.4', 'latest'],
    ],
    [
      'semver match attribute',
      { tags: 'type=semver,pattern={{version}},match=v(\\d+\\.\\d+\\.\\d+)$' },
      { ref: 'refs/tags/p1/v1.2.3' },
      ['1.2.3', 'latest'],
    ],
    [
      'type=match with a group',
      { tags: 'type=match,pattern=\\d+.\\d+,group=0' },
      { ref: 'refs/tags/v7.8.9' },
      ['7.8', 'latest'],
    ],
    [
      'type=edge on the default branch only',
      { tags: 'type=edge\ntype=ref,event=branch' },
      { ref: 'refs/heads/main' },
      ['edge', 'main'],
    ],
    ['type=edge elsewhere', { tags: 'type=edge\ntype=ref,event=branch' }, { ref: 'refs/heads/dev' }, ['dev']],
    ['type=sha long', { tags: 'type=sha,format=long' }, {}, [`sha-${SHA}`]],
    ['no tags input: the default set (branch)', {}, { ref: 'refs/heads/dev' }, ['dev']],
    ['no tags input: the default set (tag ref, latest)', {}, { ref: 'refs/tags/v1.0.0' }, ['v1.0.0', 'latest']],
    [
      'enable=false drops a tag',
      { tags: 'type=ref,event=branch,enable=false\ntype=raw,value=x' },
      { ref: 'refs/heads/dev' },
      ['x'],
    ],
    [
      'an empty raw value yields nothing',
      { tags: 'type=raw,value={{tag}}\ntype=raw,value=y' },
      { ref: 'refs/heads/dev' },
      ['y'],
    ],
    [
      'global expressions in raw values',
      { tags: 'type=raw,value={{branch}}-{{sha}}' },
      { ref: 'refs/heads/dev' },
      ['dev-abc1234'],
    ],
    [
      'base_ref of a pull request',
      { tags: 'type=raw,value=into-{{base_ref}}' },
      { eventName: 'pull_request', ref: 'refs/pull/5/merge', payload: { pull_request: { base: { ref: 'main' } } } },
      ['into-main'],
    ],
    [
      'schedule with a date pattern in a time zone',
      { tags: "type=schedule,pattern={{date 'YYYYMMDD-HHmm' tz='Asia/Tokyo'}}" },
      { eventName: 'schedule' },
      ['20261202-0500'],
    ],
    ['schedule default pattern', { tags: 'type=schedule' }, { eventName: 'schedule' }, ['nightly']],
    ['schedule on a push yields nothing', { tags: 'type=schedule\ntype=raw,value=z' }, {}, ['z']],
    [
      'pep440 release',
      { tags: 'type=pep440,pattern={{major}}.{{minor}}' },
      { ref: 'refs/tags/1.2.3' },
      ['1.2', 'latest'],
    ],
    [
      'pep440 prerelease is only its normalised version',
      { tags: 'type=pep440,pattern={{major}}' },
      { ref: 'refs/tags/v1.2.0-RC1' },
      ['1.2.0rc1'],
    ],
    [
      'comment lines are ignored',
      { tags: '# the branch\ntype=ref,event=branch\n  \n' },
      { ref: 'refs/heads/dev' },
      ['dev'],
    ],
  ])('%s', (_name, inputs, gh, expected) => {
    expect(tagsFor(inputs, gh).tags).toEqual(expected);
  });

  it('DOCKER_METADATA_SHORT_SHA_LENGTH changes {{sha}} and type=sha', () => {
    expect(tagsFor({ tags: 'type=sha' }, {}, { DOCKER_METADATA_SHORT_SHA_LENGTH: '12' }).tags).toEqual([
      'sha-abc1234def56',
    ]);
  });
});

describe('metadata-action: images', () => {
  it.each<[string, string, string[]]>([
    [
      'comma list (old form), lowercased',
      'ghcr.io/Acme/Widget,docker.io/acme/widget',
      ['ghcr.io/acme/widget:dev', 'docker.io/acme/widget:dev'],
    ],
    [
      'one record a line with enable',
      'name=ghcr.io/acme/widget\nname=docker.io/acme/widget,enable=false',
      ['ghcr.io/acme/widget:dev'],
    ],
    ['no images: tag names only', '', ['dev']],
  ])('%s', (_name, images, expected) => {
    expect(tagsFor({ images, tags: 'type=ref,event=branch' }, { ref: 'refs/heads/dev' }).tags).toEqual(expected);
  });
});

describe('metadata-action: labels, annotations, json', () => {
  const gh = github({ ref: 'refs/tags/v1.2.3' });
  it('OCI labels sorted by key, with version, created and revision', () => {
    const result = computeMetadata(parseMetadataInputs({ images: IMAGE, tags: WORKFLOW_TAGS }), gh);
    expect(result.labels).toEqual([
      'org.opencontainers.image.created=2026-12-01T20:00:00.000Z',
      'org.opencontainers.image.description=A widget service',
      'org.opencontainers.image.licenses=MIT',
      `org.opencontainers.image.revision=${SHA}`,
      'org.opencontainers.image.source=https://github.com/acme/widget',
      'org.opencontainers.image.title=widget',
      'org.opencontainers.image.url=https://github.com/acme/widget',
      'org.opencontainers.image.version=1.2.3',
    ]);
  });

  it('custom labels override OCI ones, expand expressions, keep "=" in values', () => {
    const result = computeMetadata(
      parseMetadataInputs({
        tags: 'type=raw,value=x',
        labels: 'org.opencontainers.image.title=Widget API\ncom.acme.branch={{branch}}\ncom.acme.query=a=b\nnovalue',
      }),
      github({ ref: 'refs/heads/dev' }),
    );
    expect(result.json.labels).toMatchObject({
      'org.opencontainers.image.title': 'Widget API',
      'com.acme.branch': 'dev',
      'com.acme.query': 'a=b',
    });
    expect(result.labels[0]).toBe('com.acme.branch=dev');
    expect(result.labels.some((l) => l.startsWith('novalue'))).toBe(false);
  });

  it('annotations get the manifest level, or the levels of DOCKER_METADATA_ANNOTATIONS_LEVELS', () => {
    const inputs = parseMetadataInputs({ tags: 'type=raw,value=x' });
    expect(computeMetadata(inputs, gh).annotations[0]).toBe(
      'manifest:org.opencontainers.image.created=2026-12-01T20:00:00.000Z',
    );
    const both = computeMetadata(inputs, gh, { DOCKER_METADATA_ANNOTATIONS_LEVELS: 'manifest,index' }).annotations;
    expect(both).toHaveLength(16);
    expect(both[8]).toBe('index:org.opencontainers.image.created=2026-12-01T20:00:00.000Z');
  });

  it('json has tags, tag-names, labels and annotations', () => {
    const json = computeMetadata(
      parseMetadataInputs({ images: IMAGE, tags: 'type=semver,pattern={{version}}' }),
      gh,
    ).json;
    expect(Object.keys(json)).toEqual(['tags', 'tag-names', 'labels', 'annotations']);
    expect(json.tags).toEqual([`${IMAGE}:1.2.3`, `${IMAGE}:latest`]);
    expect(json['tag-names']).toEqual(['1.2.3', 'latest']);
  });
});

describe('metadata-action: bad input fails the step, naming it', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    ['unknown tag type', { tags: 'type=branch' }, /Unknown tag type attribute: branch .*accepted: schedule, semver/],
    ['semver without pattern', { tags: 'type=semver' }, /Missing pattern attribute for type=semver/],
    ['ref without event', { tags: 'type=ref' }, /Missing event attribute for type=ref/],
    ['ref with a bad event', { tags: 'type=ref,event=push' }, /Invalid event for type=ref,event=push/],
    ['sha with a bad format', { tags: 'type=sha,format=tiny' }, /Invalid format for type=sha,format=tiny/],
    ['enable not a boolean', { tags: 'type=raw,value=x,enable=yes' }, /Invalid value for enable attribute: yes/],
    ['bad latest flavor', { flavor: 'latest=sometimes' }, /Invalid latest flavor entry: latest=sometimes/],
    ['unknown flavor key', { flavor: 'colour=blue' }, /Unknown flavor entry: colour=blue/],
    ['unknown image attribute', { images: 'name=a\nsize=3' }, /Unknown image attribute: size=3/],
    ['bad context input', { context: 'cloud' }, /Invalid context source: cloud/],
    ['unclosed quote', { tags: '"type=raw,value=x' }, /input 'tags': Quote Not Closed/],
    ['unknown date token', { tags: "type=raw,value={{date 'dddd'}}" }, /token 'd' is not supported/],
  ])('%s', async (_name, inputs, message) => {
    const outcome = await metadataAction(inputs, context(), new FakeIO());
    expect(outcome.status).toBe('failure');
    expect(outcome.reason).toMatch(message);
  });
});

describe('metadata-action: the step outcome', () => {
  it('sets the outputs, writes the bake files and exports DOCKER_METADATA_OUTPUT_*', async () => {
    const io = new FakeIO();
    const outcome = await metadataAction(
      { images: IMAGE, tags: WORKFLOW_TAGS },
      context({}, { ref: 'refs/tags/v1.2.3' }),
      io,
    );
    expect(outcome.status).toBe('success');
    expect(outcome.outputs['tags']).toBe(
      [`${IMAGE}:1.2.3`, `${IMAGE}:1.2`, `${IMAGE}:1`, `${IMAGE}:sha-abc1234`, `${IMAGE}:latest`].join('\n'),
    );
    expect(outcome.outputs['tag-names']).toBe('1.2.3\n1.2\n1\nsha-abc1234\nlatest');
    expect(outcome.outputs['version']).toBe('1.2.3');
    expect(outcome.outputs['labels']?.split('\n')).toHaveLength(8);
    expect(JSON.parse(outcome.outputs['json'] ?? '')).toMatchObject({
      tags: expect.any(Array),
      labels: { 'org.opencontainers.image.version': '1.2.3' },
    });
    const bake = JSON.parse(io.files.get(outcome.outputs['bake-file-tags'] ?? '') ?? '') as {
      target: Record<string, { tags: string[]; args: Record<string, string> }>;
    };
    expect(bake.target['docker-metadata-action']?.args).toEqual({
      DOCKER_META_IMAGES: IMAGE,
      DOCKER_META_VERSION: '1.2.3',
    });
    expect(outcome.env?.['DOCKER_METADATA_OUTPUT_TAG_NAMES']).toBe(outcome.outputs['tag-names']);
    expect(outcome.env?.['DOCKER_METADATA_OUTPUT_BAKE_FILE']).toBe(outcome.outputs['bake-file']);
    expect(outcome.notes?.[0]).toMatch(/^emulated: /);
  });

  it('custom separators; DOCKER_METADATA_SET_OUTPUT_ENV=false exports nothing', async () => {
    const ctx = context({ env: { DOCKER_METADATA_SET_OUTPUT_ENV: 'false' } }, { ref: 'refs/heads/dev' });
    const outcome = await metadataAction(
      { tags: 'type=raw,value=a\ntype=raw,value=b', 'sep-tags': ',' },
      ctx,
      new FakeIO(),
    );
    expect(outcome.outputs['tags']).toBe('a,b');
    expect(outcome.env).toEqual({});
  });

  it('no tag generated is a warning, not a failure', async () => {
    const outcome = await metadataAction({ tags: 'type=ref,event=pr' }, context(), new FakeIO());
    expect(outcome.status).toBe('success');
    expect(outcome.outputs['tags']).toBe('');
    expect(outcome.warnings).toEqual([
      'No Docker image version has been generated. Check tags input.',
      'No Docker tag has been generated. Check tags input.',
    ]);
  });
});
