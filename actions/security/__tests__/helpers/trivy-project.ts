/**
 * Writes a small project for Trivy's offline secret and misconfiguration
 * scanners: a Dockerfile that runs as root, a Kubernetes Deployment with a
 * privileged container, an env file with an AWS-style access key id (made up
 * at run time so that no key-shaped string is committed), and the lodash
 * fixture's package files. Used by trivy.test.ts and to record
 * fixtures/outputs/trivy-fs-offline.json.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export const DOCKERFILE = `FROM node:24-alpine
WORKDIR /app
COPY . .
RUN npm ci --omit=dev
CMD ["node", "server.js"]
`;

export const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: ghcr.io/example/web:1.0.0
          securityContext:
            privileged: true
`;

/** AKIA followed by 16 characters of the base32 alphabet AWS uses: the shape Trivy's aws-access-key-id rule looks for. */
export function fakeAccessKeyId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return `AKIA${Array.from({ length: 16 }, () => alphabet[randomInt(alphabet.length)]).join('')}`;
}

export function writeTrivyProject(dir: string): void {
  mkdirSync(path.join(dir, 'k8s'), { recursive: true });
  mkdirSync(path.join(dir, 'config'), { recursive: true });
  writeFileSync(path.join(dir, 'Dockerfile'), DOCKERFILE);
  writeFileSync(path.join(dir, 'k8s', 'deployment.yaml'), DEPLOYMENT);
  writeFileSync(path.join(dir, 'config', 'deploy.env'), `region=eu-west-1\naws_access_key_id=${fakeAccessKeyId()}\n`);
  for (const file of ['package.json', 'package-lock.json'])
    copyFileSync(path.join(fixtures, 'npm-project', file), path.join(dir, file));
}

/**
 * Environment that keeps Trivy offline: only the secret and misconfiguration
 * scanners (no vulnerability DB), the checks built into the binary, no version
 * check, and every repository Trivy could download from pointed at a closed
 * local port so nothing can leave the machine.
 */
export function offlineTrivyEnv(cacheDir: string): Record<string, string> {
  return {
    TRIVY_SCANNERS: 'secret,misconfig',
    TRIVY_SKIP_DB_UPDATE: 'true',
    TRIVY_SKIP_CHECK_UPDATE: 'true',
    TRIVY_OFFLINE_SCAN: 'true',
    TRIVY_CACHE_DIR: cacheDir,
    TRIVY_DB_REPOSITORY: '127.0.0.1:1/offline/trivy-db',
    TRIVY_JAVA_DB_REPOSITORY: '127.0.0.1:1/offline/trivy-java-db',
    TRIVY_CHECKS_BUNDLE_REPOSITORY: '127.0.0.1:1/offline/trivy-checks',
  };
}

// `node actions/security/__tests__/helpers/trivy-project.ts DIR` writes the project into DIR (for recording).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: trivy-project.ts DIR');
  writeTrivyProject(dir);
}
