/**
 * The build job's image scan, end to end: the security bundle, run the way
 * the runner runs it, scans an image in the project's local registry with the
 * real Trivy and no vulnerability database (every download location points at
 * a closed local port), as a local pipeline run does. It must say it did not
 * scan for vulnerabilities (the `incomplete` output and a warning), still scan
 * secrets and misconfigurations, and write the image's SBOM.
 *
 * Needs Trivy (REQUIRE_TRIVY) and the container tooling with the base-image
 * stand-ins in the local registry (REQUIRE_CONTAINERS; .ci/run sets both).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireOrSkip, runAction } from '@pipeline/action-kit/testing';
import { whichOnPath } from '../src/scanners.js';
import { actionDir } from './helpers/findings.js';

const trivyBin =
  process.env['TRIVY_BIN'] ??
  [path.join(actionDir, '.tools', 'bin', 'trivy')].find((candidate) => existsSync(candidate)) ??
  whichOnPath('trivy');
const registry = process.env['CONTAINERS_REGISTRY'] ?? '127.0.0.1:5000';
const image = `${registry}/library/node:24-bookworm-slim`;

async function imageInRegistry(): Promise<boolean> {
  try {
    const response = await fetch(`http://${registry}/v2/library/node/manifests/24-bookworm-slim`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.index.v1+json' },
      signal: AbortSignal.timeout(2000),
    });
    return response.ok;
  } catch {
    return false;
  }
}

const available = Boolean(trivyBin) && (await imageInRegistry());
const describeIt = requireOrSkip({
  what: `Trivy and the base-image stand-in ${image} in the local registry`,
  available,
  howToGet: 'run actions/security/scripts/install-trivy.sh, npm run containers:up and tools/containers/base-images.sh',
  requiredBy: 'REQUIRE_CONTAINERS',
})
  ? describe
  : describe.skip;

describeIt('trivy-image without a vulnerability database (real Trivy, local registry)', () => {
  let workspace: string;
  let env: Record<string, string>;

  beforeAll(() => {
    workspace = mkdtempSync(path.join(tmpdir(), 'security-image-'));
    const cache = path.join(workspace, '.trivy-cache');
    mkdirSync(cache);
    env = {
      PATH: `${path.dirname(trivyBin as string)}${path.delimiter}${process.env['PATH'] ?? ''}`,
      TRIVY_CACHE_DIR: cache,
      TRIVY_DB_REPOSITORY: '127.0.0.1:1/offline/trivy-db',
      TRIVY_JAVA_DB_REPOSITORY: '127.0.0.1:1/offline/trivy-java-db',
      TRIVY_CHECKS_BUNDLE_REPOSITORY: '127.0.0.1:1/offline/trivy-checks',
      TRIVY_SKIP_CHECK_UPDATE: 'true',
    };
  });

  it('scans what needs no database, says what it did not scan, and keeps the SBOM', async () => {
    const result = await runAction(actionDir, {
      workspace,
      // As a local run passes it (its local default); GitHub's default (true) fails, tested below.
      inputs: { scanners: 'trivy-image', image, 'sbom-file': 'sbom.cdx.json', 'fail-on-scanner-error': 'false' },
      env,
      timeoutMs: 240_000,
    });
    expect(result.exitCode).toBe(0);
    expect(result.outputs['incomplete']).toMatch(
      /^trivy-image: not scanned for vulnerabilities: no vulnerability database/,
    );
    expect(result.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message: expect.stringMatching(/^Incomplete scan: trivy-image: not scanned/),
      }),
    );
    const report = JSON.parse(result.outputs['report'] ?? '{}') as { scannerErrors: unknown[] };
    expect(report.scannerErrors).toEqual([]);
    const sbomFile = path.join(workspace, 'sbom.cdx.json');
    expect(result.outputs['sbom-file']).toBe(sbomFile);
    const sbom = JSON.parse(readFileSync(sbomFile, 'utf8')) as { bomFormat: string; components: { name: string }[] };
    expect(sbom.bomFormat).toBe('CycloneDX');
    // The stand-in is Debian minbase plus Node: dpkg packages are listed.
    expect(sbom.components.map((c) => c.name)).toEqual(expect.arrayContaining(['bash', 'libc6']));
  });

  it('by default (fail-on-scanner-error: true) a scan without a database fails: never a pass by default', async () => {
    const result = await runAction(actionDir, {
      workspace,
      inputs: { scanners: 'trivy-image', image },
      env,
      timeoutMs: 240_000,
    });
    expect(result.exitCode).toBe(1);
    expect(result.outputs['passed']).toBe('false');
    expect(result.failure).toMatch(/trivy-image: not scanned for vulnerabilities/);
  });

  it('an image that is not in the registry is a scanner error that fails the step, not a pass', async () => {
    const result = await runAction(actionDir, {
      workspace,
      inputs: { scanners: 'trivy-image', image: `${registry}/nobody/missing:1`, 'fail-on-scanner-error': 'true' },
      env,
      timeoutMs: 240_000,
    });
    expect(result.exitCode).toBe(1);
    expect(result.outputs['passed']).toBe('false');
  });
});
