/**
 * Prints the in-cluster Prometheus's manifests (./prometheus-manifests.ts) as
 * YAML, for `kubectl apply -f -` (tools/monitoring/prometheus.sh deploy).
 *
 * Usage: node scripts/monitoring/render-prometheus.ts --namespace NS
 *          --prometheus-image REF --node-image REF [--api-url URL] [--api-server-name NAME]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { prometheusObjects, toYaml } from './prometheus-manifests.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    namespace: { type: 'string' },
    'prometheus-image': { type: 'string' },
    'node-image': { type: 'string' },
    'api-url': { type: 'string', default: '' },
    'api-server-name': { type: 'string', default: '' },
  },
});
for (const required of ['namespace', 'prometheus-image', 'node-image'] as const)
  if (!values[required]) {
    console.error(`render-prometheus: --${required} is required`);
    process.exit(2);
  }
// A namespace name is a DNS label (RFC 1123).
if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(values.namespace as string)) {
  console.error(
    `render-prometheus: --namespace ${JSON.stringify(values.namespace)} is not a namespace name (lower-case letters, digits and '-', at most 63)`,
  );
  process.exit(2);
}
const sdFiles = Object.fromEntries(
  ['service-monitor-sd.ts', 'service-monitor-sd-main.ts'].map((f) => [f, readFileSync(path.join(here, f), 'utf8')]),
);
process.stdout.write(
  toYaml(
    prometheusObjects({
      namespace: values.namespace as string,
      prometheusImage: values['prometheus-image'] as string,
      nodeImage: values['node-image'] as string,
      apiUrl: values['api-url'],
      apiServerName: values['api-server-name'],
      sdFiles,
    }),
  ),
);
