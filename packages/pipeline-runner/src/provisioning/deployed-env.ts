/** The configuration the deploy applied, for the locally started service: literal container env values and envFrom ConfigMaps. */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { stringValue } from '../expressions.js';
import type { Json } from '../expressions.js';
import { PROVISIONING } from './table.js';

type Container = { env?: { name?: string; value?: unknown }[]; envFrom?: { configMapRef?: { name?: string } }[] };
type K8sObject = {
  kind?: string;
  metadata?: { name?: string };
  data?: Record<string, unknown>;
  spec?: { template?: { spec?: { containers?: Container[] } } };
};

async function collect(file: string, into: K8sObject[]): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    for (const name of (await readdir(file)).sort()) {
      if (/\.ya?ml$/.test(name) && !/^kustomization\.ya?ml$/.test(name)) await collect(path.join(file, name), into);
    }
    return;
  }
  if (!info?.isFile()) return;
  for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
    const value = doc.toJS() as K8sObject | null;
    if (value && typeof value === 'object') into.push(value);
  }
}

/** Every object of the manifest files or directories (kustomization files left out). */
export async function readManifestObjects<T = K8sObject>(files: string[]): Promise<T[]> {
  const objects: K8sObject[] = [];
  for (const file of files) await collect(file, objects);
  return objects as T[];
}

export async function deployedEnvironment(
  files: string[],
  keepLocal = PROVISIONING.serviceLocalEnv,
): Promise<Record<string, string>> {
  const objects: K8sObject[] = [];
  for (const file of files) await collect(file, objects);
  const configMaps = new Map(
    objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata?.name ?? '', o.data ?? {}]),
  );
  const env: Record<string, string> = {};
  for (const workload of objects.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind ?? ''))) {
    for (const container of workload.spec?.template?.spec?.containers ?? []) {
      for (const from of container.envFrom ?? []) {
        for (const [k, v] of Object.entries(configMaps.get(from.configMapRef?.name ?? '') ?? {}))
          env[k] = stringValue(v as Json);
      }
      for (const entry of container.env ?? [])
        if (entry.name && entry.value !== undefined) env[entry.name] = stringValue(entry.value as Json);
    }
  }
  for (const local of keepLocal) delete env[local];
  return env;
}
