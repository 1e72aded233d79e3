/**
 * Everything the local runner knows about particular actions, services,
 * secrets and variables, in one table: what it provides in place of GitHub's
 * infrastructure, and why it does not run the remote actions it skips.
 * Provisioning reads only this table; no other module names an action.
 */
import type { LocalServices } from '../local.js';

export interface ServiceStandIn {
  /** Image name (Docker Hub's library namespace, any tag or digest). */
  image: string;
  label: string;
  containerPort: string;
  port: keyof Pick<LocalServices, 'postgresPort' | 'redisPort'>;
}

export type Provision = 'cluster-kubeconfig' | 'service-url' | 'prometheus-url';

export interface NameRule {
  /** Matched against the secret or variable name. */
  name: RegExp;
  provides: Provision;
}

export interface ActionRule {
  /** The action's folder name (`./.../actions/<action>` or `owner/repo/actions/<action>`). */
  action: string;
  /** The job needs the service running locally before its steps. */
  needs?: 'service';
  /** After a successful step, the files of this input are what was deployed (the service's configuration). */
  deployedManifestsInput?: string;
  /** After a successful step, this input's `name=ref` pairs are the images deployed (what the smoke tests run). */
  deployedImagesInput?: string;
  /** After a successful step, this output's JSON list is every object deployed (the Service the smoke tests reach). */
  deployedResourcesOutput?: string;
  /** After a successful step, this input is the container port the deploy gave the service. */
  deployedPortInput?: string;
  /** After a successful step, this input is the kubeconfig the deploy used (the Service the smoke tests reach is there). */
  deployedKubeconfigInput?: string;
  /**
   * When set, this input names an image for the step to run on the container engine: the step gets the
   * engine's variables (DOCKER_HOST...), and an image the run pushed under a local name is given by that name.
   */
  engineImageInput?: string;
}

export interface RemoteRule {
  /** `owner/name` exactly, or a prefix ending in `*`. */
  uses: string;
  reason: string;
  /**
   * The stage loses nothing it is for when the step does not run here (the
   * local run provides the tool another way, or the step only reports to a
   * GitHub service). Without it, a step that cannot run makes its job incomplete.
   */
  replaceable?: true;
}

/** The local cluster's Prometheus (tools/monitoring/prometheus.sh deploy), for promql smoke checks. */
export interface PrometheusRule {
  /** Environment variable naming its namespace (as for prometheus.sh), and the namespace without it. */
  namespaceEnv: string;
  namespace: string;
  service: string;
  port: number;
}

/** The pipeline's Slack inputs and secret, for the local Slack stand-in (./local-slack.ts). */
export interface SlackRule {
  channelInput: string;
  apiUrlInput: string;
  tokenSecret: string;
}

export interface ProvisioningTable {
  services: ServiceStandIn[];
  secrets: NameRule[];
  vars: NameRule[];
  actions: ActionRule[];
  /** The called workflow's input naming the service's directory (where `npm start` runs). */
  serviceDirectoryInput: string;
  /** The called workflow's input naming the readiness path (empty: a TCP check). */
  readinessPathInput: string;
  /** Settings the service under smoke test keeps from the local run, not from the deployed manifests. */
  serviceLocalEnv: string[];
  remoteActions: RemoteRule[];
  /** Reason for a remote action no rule names. */
  remoteDefault: string;
  slack: SlackRule;
  prometheus: PrometheusRule;
}

export const PROVISIONING: ProvisioningTable = {
  services: [
    { image: 'postgres', label: 'PostgreSQL', containerPort: '5432', port: 'postgresPort' },
    { image: 'redis', label: 'Redis', containerPort: '6379', port: 'redisPort' },
  ],
  // A kubeconfig secret the job reads but nobody set: the local cluster's.
  secrets: [{ name: /KUBECONFIG$/, provides: 'cluster-kubeconfig' }],
  // A URL variable the caller passes but nobody set: the local cluster's Prometheus for PROMETHEUS_URL,
  // else the deployed Service (real node) or the built image the runner runs (kwok).
  vars: [
    { name: /^PROMETHEUS_URL$/, provides: 'prometheus-url' },
    { name: /_URL$/, provides: 'service-url' },
  ],
  actions: [
    { action: 'smoke-test', needs: 'service' },
    { action: 'containerize', engineImageInput: 'probe-image' },
    {
      action: 'deploy-k8s',
      deployedManifestsInput: 'manifests',
      deployedImagesInput: 'images',
      deployedResourcesOutput: 'resources',
      deployedPortInput: 'port',
      deployedKubeconfigInput: 'kubeconfig',
    },
  ],
  serviceDirectoryInput: 'service-directory',
  readinessPathInput: 'readiness-path',
  serviceLocalEnv: ['PORT', 'HOST', 'DATABASE_URL', 'REDIS_URL', 'NODE_ENV'],
  remoteActions: [
    { uses: 'docker://*', reason: 'container action: not run locally' },
    { uses: 'docker/*', reason: 'no local emulation of this docker action' },
    {
      uses: 'actions/setup-node',
      reason: `needs GitHub's tool cache; the local run uses Node ${process.version} from this checkout`,
      replaceable: true,
    },
    {
      uses: 'actions/setup-*',
      reason: "needs GitHub's tool cache; the local run uses the tools on PATH",
      replaceable: true,
    },
    { uses: 'actions/cache', reason: "needs GitHub's cache service (a cache only saves time)", replaceable: true },
    { uses: 'actions/cache/*', reason: "needs GitHub's cache service (a cache only saves time)", replaceable: true },
    {
      uses: 'github/codeql-action/upload-sarif',
      reason: 'uploads to GitHub code scanning; the findings are gated and summarised by the scan step itself',
      replaceable: true,
    },
    { uses: 'github/codeql-action*', reason: 'needs GitHub code scanning' },
    {
      uses: 'aquasecurity/setup-trivy',
      reason:
        "downloads Trivy from GitHub; the local run puts the project's Trivy (actions/security/scripts/install-trivy.sh) on PATH, and the scan says when it is missing",
      replaceable: true,
    },
    { uses: 'helm/kind-action', reason: 'needs Docker for kind; the local run uses tools/kube/cluster.sh' },
    {
      uses: 'codecov/codecov-action',
      reason: 'needs codecov.io: not reachable locally (the coverage summary and artifact are kept)',
      replaceable: true,
    },
  ],
  remoteDefault: 'remote action {name} needs GitHub to download it; not run locally',
  // A channel, and a token secret the caller passes but nobody set: the local Slack stand-in.
  slack: { channelInput: 'slack-channel', apiUrlInput: 'slack-api-url', tokenSecret: 'SLACK_TOKEN' },
  prometheus: { namespaceEnv: 'PROMETHEUS_NAMESPACE', namespace: 'monitoring', service: 'prometheus', port: 9090 },
};

const DOCKER_HUB_LIBRARY = /^docker\.io\/(library\/)?/;

export function serviceStandIn(image: string, table = PROVISIONING): ServiceStandIn | undefined {
  const bare = image.replace(DOCKER_HUB_LIBRARY, '');
  return table.services.find(
    (s) => bare === s.image || bare.startsWith(`${s.image}:`) || bare.startsWith(`${s.image}@`),
  );
}

export function nameProvision(name: string, rules: NameRule[]): Provision | undefined {
  return rules.find((r) => r.name.test(name))?.provides;
}

/** The action a `uses:` names, by its folder: `./.pipeline-actions/actions/smoke-test` → smoke-test. */
export function actionRule(uses: string, table = PROVISIONING): ActionRule | undefined {
  const folder = uses.split('@')[0]?.replace(/\/+$/, '').split('/').pop() ?? '';
  return table.actions.find((a) => a.action === folder);
}

/** Why a remote action is not run here, and whether its job can still be complete without it. */
export function remoteActionSkip(uses: string, table = PROVISIONING): { reason: string; replaceable: boolean } {
  const name = uses.startsWith('docker://') ? uses : (uses.split('@')[0]?.toLowerCase() ?? uses);
  const rule = table.remoteActions.find((r) =>
    r.uses.endsWith('*') ? name.startsWith(r.uses.slice(0, -1)) : name === r.uses,
  );
  return {
    reason: rule?.reason ?? table.remoteDefault.replace('{name}', name),
    replaceable: rule?.replaceable === true,
  };
}
