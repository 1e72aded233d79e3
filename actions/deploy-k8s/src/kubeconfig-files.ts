/**
 * The kubeconfig when the input is empty: the files KUBECONFIG names, or
 * the in-cluster service account token. Each is masked as soon as it is
 * read, and the texts are returned so that the summary can be scrubbed of
 * them too.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { maskSecret } from '@pipeline/action-kit';
import { checkShape, kubeconfigMasks, secretValues } from '@pipeline/action-kit/kube';
import type { Environment } from './inputs.js';

const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface FileAccess {
  readFile: (file: string) => Promise<string | undefined>;
  mask: (value: string) => void;
}

const realFiles: FileAccess = { readFile: (file) => readFile(file, 'utf8').catch(() => undefined), mask: maskSecret };

/** Reads and masks the KUBECONFIG files (or the in-cluster token); throws naming a file that cannot be read or is no kubeconfig. */
export async function ambientKubeconfigs(env: Environment, files: FileAccess = realFiles): Promise<string[]> {
  const list = env['KUBECONFIG'];
  if (!list) {
    const token = env['KUBERNETES_SERVICE_HOST'] ? await files.readFile(IN_CLUSTER_TOKEN) : undefined;
    if (token) files.mask(token.trim());
    return token ? [token] : [];
  }
  const texts: string[] = [];
  for (const file of list.split(path.delimiter).filter(Boolean)) {
    const text = await files.readFile(file);
    if (text === undefined) throw new Error(`The KUBECONFIG environment variable names ${file}, which cannot be read.`);
    for (const secret of kubeconfigMasks(text)) files.mask(secret);
    checkShape(text, `The KUBECONFIG file ${file}`);
    texts.push(text);
  }
  return texts;
}

/**
 * Every secret string we know of, to scrub our own summary text as a second
 * line of defence: the kubeconfig texts, the secrets inside them and their
 * long (key and certificate data) lines. Short structural lines such as
 * `apiVersion: v1` are left out, or every manifest diff would be mangled.
 */
export function knownSecrets(texts: readonly string[]): string[] {
  const secrets: string[] = [];
  for (const text of texts) {
    secrets.push(
      text,
      text.trim(),
      ...text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l.length >= 40),
      ...secretValues(text),
    );
  }
  return secrets;
}
