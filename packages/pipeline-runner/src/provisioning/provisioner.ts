/**
 * Provisioning: brings up what a job needs in place of GitHub's
 * infrastructure (service containers, a kubeconfig secret, the service for
 * smoke tests), as the table in ./table.ts declares, once per run.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import type { SecretMasker } from '@pipeline/action-kit/protocol';
import { evaluateToken, noStatus, stringValue } from '../expressions.js';
import type { Json } from '../expressions.js';
import { freePort } from '@pipeline/action-kit';
import { startCluster, startServices, stopServices } from '../local.js';
import type { AppProcess, LocalServices } from '../local.js';

/** What a job needs could not be provided here: the job ends incomplete (not failed) with this reason. */
export class NotProvidedError extends Error {
  override name = 'NotProvidedError';
}
import { contextReferences } from '../references.js';
import type { JobReport } from '../report-types.js';
import type { JobContexts } from '../run-state.js';
import { get } from '../workflow.js';
import type { Job } from '../workflow.js';
import type { Cleanups, RunDirs } from '../workspace.js';
import type { ImageMapping } from '../emulations/docker/index.js';
import { engineStepInputs, startContainerTooling, trivyMirrorConfig } from './containers.js';
import type { ContainerTooling, EngineStepInputs } from './containers.js';
import { mapImage } from '../emulations/docker/index.js';
import { migrateDatabase } from './service-database.js';
import { parseImagesInput, startServiceImage } from './service-image.js';
import { deployedWorkload, type DeployedResource } from '@pipeline/action-kit/kube';
import { forwardService, parseResourcesOutput } from './service-forward.js';
import { startLocalPrometheus } from './prometheus-forward.js';
import { standInsUsed } from './stand-ins.js';
import { readManifestObjects } from './deployed-env.js';
import { givenClusterKubeconfig, kubeconfigText } from './deploy-cluster.js';
import { kubectlProgram } from '../environment.js';
import { missingSecretsReason, secretsNotInManifests } from './environment-secrets.js';
import type { ManifestObject } from './environment-secrets.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { actionRule, nameProvision, PROVISIONING, serviceStandIn } from './table.js';

export interface ProvisionerOptions {
  enabled: boolean;
  library: string;
  dirs: RunDirs;
  masker: SecretMasker;
  cleanups: Cleanups;
  log: (line: string) => void;
  /** Only kwok nodes (--kwok-only): no real node even when the container engine is available. */
  kwokOnly?: boolean;
}

export interface JobToProvision {
  job: Job;
  raw: TemplateToken | undefined;
  jobContext: Record<string, Json>;
  contexts: JobContexts;
  report: JobReport;
}

const elapsed = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)}s`;

export class Provisioner {
  private services?: LocalServices;
  private kubeconfig?: string;
  private app?: AppProcess;
  private appPort?: number;
  private prometheus?: AppProcess | 'absent';
  private prometheusPort?: number;
  private deployedManifests: string[] = [];
  private deployedImages: { name: string; ref: string }[] = [];
  private deployedResources: DeployedResource[] = [];
  /** The local cluster has a real node (pods run in containers). */
  private realNode = false;
  private deployedPort?: number;
  /** The kubeconfig the deploy step was given (its content). */
  private deployKubeconfig?: string;
  private containers?: ContainerTooling;
  private containersError?: string;
  private readonly mappings: ImageMapping[] = [];
  private readonly options: ProvisionerOptions;

  // No parameter properties: `npm run pipeline` runs these sources with Node's type stripping.
  constructor(options: ProvisionerOptions) {
    this.options = options;
  }

  /** Variables the caller's `with:` reads that nobody set and the table provides (a URL of the locally started service). */
  async provideCallerVars(
    callerWith: TemplateToken | undefined,
    vars: Record<string, string>,
    notes: string[],
  ): Promise<void> {
    if (!this.options.enabled) return;
    const provided: string[] = [];
    for (const name of contextReferences(callerWith, 'vars')) {
      const provision = vars[name] === undefined ? nameProvision(name, PROVISIONING.vars) : undefined;
      if (provision === 'prometheus-url') {
        this.prometheusPort ??= await freePort();
        vars[name] = `http://127.0.0.1:${this.prometheusPort}`;
        notes.push(
          `vars ${name} points at ${vars[name]}: a port-forward to the local cluster's Prometheus (tools/monitoring/prometheus.sh) when it runs on the real node; otherwise nothing answers there and promql checks fail.`,
        );
      }
      if (provision !== 'service-url') continue;
      this.appPort ??= await freePort();
      vars[name] = `http://127.0.0.1:${this.appPort}`;
      provided.push(name);
    }
    if (provided.length > 0) {
      notes.push(
        `vars ${provided.join(', ')} point at http://127.0.0.1:${this.appPort}: a port-forward to the deployed Service when the cluster has a real node, otherwise the built and deployed image run by the runner (docker run), since kwok nodes run no containers.`,
      );
    }
  }

  /** Before a job's steps: its service containers, the secrets the table provides, the service for smoke tests. */
  async prepareJob(target: JobToProvision): Promise<void> {
    await this.provideServiceContainers(target);
    if (!this.options.enabled) return;
    await this.provideSecrets(target);
    if (target.job.steps.some((s) => 'uses' in s && /^docker\/[^/]+@/i.test(s.uses.value)))
      await this.ensureContainers(target.report.notes);
    const needsService = target.job.steps.some((s) => 'uses' in s && actionRule(s.uses.value)?.needs === 'service');
    if (needsService && this.appPort !== undefined && !this.app) await this.startService(target);
    if (needsService && this.prometheusPort !== undefined && !this.prometheus) await this.startPrometheus(target);
  }

  /** Real node: promql checks reach the cluster's Prometheus through the API server. */
  private async startPrometheus({ report }: JobToProvision): Promise<void> {
    const { library, dirs, cleanups } = this.options;
    const workload = deployedWorkload(this.deployedResources, this.deployedImages[0]?.ref ?? '');
    this.prometheus = await startLocalPrometheus({
      kubectl: kubectlProgram(library),
      ...(this.realNode && this.kubeconfig ? { kubeconfig: this.kubeconfig } : {}),
      localPort: this.prometheusPort as number,
      logFile: path.join(dirs.logs, 'port-forward-prometheus.log'),
      notes: report.notes,
      ...(workload?.namespace ? { targetNamespace: workload.namespace } : {}),
    });
    const app = this.prometheus;
    if (app !== 'absent') cleanups.push(() => app.stop());
  }

  /** The local cluster's kubeconfig, when a job of this run used the cluster. */
  clusterKubeconfig(): string | undefined {
    return this.kubeconfig;
  }

  /** The container tooling for docker steps, when it is up. */
  containerTooling(): ContainerTooling | undefined {
    return this.containers;
  }

  /** Images pushed under a local name (ghcr.io/o/r → 127.0.0.1:5000/o/r), each listed once. */
  recordMappings(mappings: ImageMapping[]): void {
    for (const m of mappings) if (!this.mappings.some((x) => x.from === m.from && x.to === m.to)) this.mappings.push(m);
  }

  imageMappings(): readonly ImageMapping[] {
    return this.mappings;
  }

  /**
   * Variables for the steps after images were pushed under a local name: a
   * Trivy configuration whose registry mirrors send those registries to the
   * local one, so an image scan finds what the build pushed.
   */
  async stepToolEnv(): Promise<Record<string, string>> {
    if (!this.containers || this.mappings.length === 0) return {};
    const file = path.join(this.options.dirs.scratch, 'trivy-local-registry.yaml');
    await writeFile(file, trivyMirrorConfig(this.mappings, this.containers.env.registry));
    return { TRIVY_CONFIG: file };
  }

  /** An action that runs an image on the container engine (its rule's engineImageInput): see engineStepInputs. */
  engineInputs(uses: string, withValues: Record<string, string>): EngineStepInputs {
    return engineStepInputs(actionRule(uses)?.engineImageInput, withValues, this.containers?.vars, this.mappings);
  }

  /**
   * Before an action step: why it is not run here, when the local cluster
   * lacks what the environment provides outside git (a deploy whose
   * workloads read Secrets nobody created, on the real node).
   */
  async beforeAction(uses: string, withValues: Record<string, string>): Promise<string | undefined> {
    const input = actionRule(uses)?.deployedManifestsInput;
    if (!this.realNode || !this.kubeconfig || !input || !withValues[input]) return undefined;
    const workspace = this.options.dirs.workspace;
    const files = withValues[input]
      .split('\n')
      .map((m) => m.trim())
      .filter((m) => m !== '')
      .map((m) => path.resolve(workspace, m));
    const objects = await readManifestObjects<ManifestObject>(files).catch(() => []);
    const missing = [];
    for (const ref of secretsNotInManifests(objects, withValues['namespace'] || 'default')) {
      const kubectl = kubectlProgram(this.options.library);
      const args = ['--kubeconfig', this.kubeconfig, 'get', 'secret', ref.name, '-n', ref.namespace, '-o', 'name'];
      const found = await promisify(execFile)(kubectl, args, { timeout: 30_000 }).then(
        () => true,
        () => false,
      );
      if (!found) missing.push(ref);
    }
    return missing.length > 0 ? missingSecretsReason(missing) : undefined;
  }

  /** After an action step: what the table says the step tells the runner (the manifests a deploy applied). */
  afterAction(
    uses: string,
    withValues: Record<string, string>,
    succeeded: boolean,
    outputs: Record<string, string> = {},
  ): void {
    const images = actionRule(uses)?.deployedImagesInput;
    if (succeeded && images && withValues[images]) this.deployedImages = parseImagesInput(withValues[images]);
    const resources = actionRule(uses)?.deployedResourcesOutput;
    if (succeeded && resources && outputs[resources]) this.deployedResources = parseResourcesOutput(outputs[resources]);
    const port = Number(withValues[actionRule(uses)?.deployedPortInput ?? ''] ?? '');
    if (succeeded && Number.isInteger(port) && port > 0 && port < 65536) this.deployedPort = port;
    const kubeconfig = withValues[actionRule(uses)?.deployedKubeconfigInput ?? ''];
    if (succeeded && kubeconfig) this.deployKubeconfig = kubeconfig;
    const input = actionRule(uses)?.deployedManifestsInput;
    if (!succeeded || !input || !withValues[input]) return;
    const workspace = this.options.dirs.workspace;
    this.deployedManifests = withValues[input]
      .split('\n')
      .map((m) => path.resolve(workspace, m.trim()))
      .filter((m) => m !== workspace);
  }

  private async provideServiceContainers({ raw, contexts, jobContext, report }: JobToProvision): Promise<void> {
    const declared = evaluateToken(get(raw, 'services'), { contexts: { ...contexts }, status: noStatus });
    const specs = (declared ?? {}) as Record<string, Record<string, Json>>;
    if (Object.keys(specs).length === 0) return;
    if (!this.options.enabled)
      throw new Error('the job has service containers and provisioning is off (--no-provision)');
    // A service whose image is empty is not started, as on GitHub (actions/runner#2235).
    const wanted = Object.entries(specs).filter(([, spec]) => stringValue(spec['image'] ?? '').trim() !== '');
    for (const [label] of Object.entries(specs).filter(([l]) => !wanted.some(([w]) => w === l)))
      report.notes.push(`service '${label}': empty image, not started (as on GitHub)`);
    if (wanted.length === 0) return;
    const missing = wanted
      .map(([label, spec]) => ({ label, image: stringValue(spec['image'] ?? '') }))
      .filter(({ image }) => !serviceStandIn(image));
    if (missing.length > 0)
      throw new NotProvidedError(
        `this machine cannot provide ${missing.map((m) => `service '${m.label}' (${m.image})`).join(', ')}: locally only ${PROVISIONING.services.map((s) => s.image).join(' and ')} run for real (tools/services/services.sh, from Debian's packages)`,
      );
    const standIns = wanted.map(([label, spec]) => {
      const image = stringValue(spec['image'] ?? '');
      return { label, image, standIn: serviceStandIn(image) as NonNullable<ReturnType<typeof serviceStandIn>> };
    });
    const services = await this.ensureServices(report.notes);
    const mapped: Record<string, Json> = {};
    for (const { label, image, standIn } of standIns) {
      const port = services[standIn.port];
      mapped[label] = { id: `local-${label}`, network: 'host', ports: { [standIn.containerPort]: String(port ?? '') } };
      report.notes.push(
        `service '${label}' (${image}) → 127.0.0.1:${port} (Debian's ${standIn.label}, trust authentication)`,
      );
    }
    jobContext['services'] = mapped;
  }

  private async provideSecrets({ raw, contexts, report }: JobToProvision): Promise<void> {
    for (const name of contextReferences(raw, 'secrets')) {
      if (contexts.secrets[name] || nameProvision(name, PROVISIONING.secrets) !== 'cluster-kubeconfig') continue;
      const kubeconfig = this.kubeconfig ?? (await this.ensureCluster(report.notes));
      contexts.secrets[name] = await readFile(kubeconfig, 'utf8');
      this.options.masker.addSecret(contexts.secrets[name]);
      report.notes.push(`secret ${name} ← the local cluster's kubeconfig`);
    }
  }

  /**
   * The local cluster, with a real node whenever the container engine is up
   * (its registry serves the node's images), unless --kwok-only.
   */
  private async ensureCluster(notes: string[]): Promise<string> {
    const { library, log, kwokOnly } = this.options;
    if (!kwokOnly) await this.ensureContainers(notes);
    const real = !kwokOnly && this.containers !== undefined;
    const started = performance.now();
    const env = { ...process.env, ...(this.containers ? { CONTAINERS_REGISTRY: this.containers.env.registry } : {}) };
    log(`      starting the local Kubernetes cluster (tools/kube/cluster.sh up${real ? ' --real-node' : ''})`);
    const kubeconfig = await startCluster(library, (line) => log(`      ${line}`), real, env);
    this.kubeconfig = kubeconfig;
    this.realNode = real;
    const nodes = real
      ? 'a real node, real-node-0 (kubelet, containerd, kube-proxy): pods run in containers from the local registry; the kwok nodes are tainted NoSchedule'
      : kwokOnly
        ? 'kwok nodes only (--kwok-only): pods become Ready without running containers'
        : `kwok nodes only, because the container engine is not up (${this.containersError ?? 'unknown reason'}): pods become Ready without running containers`;
    notes.push(
      `Kubernetes: tools/kube/cluster.sh up in ${elapsed(started)}, kubeconfig ${kubeconfig} (${nodes}). The cluster is left running for the next run.`,
    );
    return kubeconfig;
  }

  private async ensureContainers(notes: string[]): Promise<void> {
    if (this.containers || this.containersError) return;
    const started = performance.now();
    this.options.log('      starting the container tooling (tools/containers/containers.sh up, base-images.sh)');
    try {
      this.containers = await startContainerTooling(this.options.library, (line) => this.options.log(`      ${line}`));
      const standIns = this.containers.env.standInImages;
      notes.push(
        `Containers: dockerd, registry ${this.containers.env.registry}, BuildKit builder ${this.containers.env.builder} and arm64 emulation up in ${elapsed(started)} (left running; npm run containers:down stops them).`,
      );
      if (standIns.length > 0)
        notes.push(`Base images are local stand-ins built from Debian packages: ${standIns.join(', ')}.`);
    } catch (error) {
      this.containersError = error instanceof Error ? error.message : String(error);
      notes.push(`Containers: the tooling could not start, so the docker steps do not run: ${this.containersError}`);
    }
  }

  private async ensureServices(notes: string[]): Promise<LocalServices> {
    if (this.services) return this.services;
    const started = performance.now();
    const { library, dirs, log, cleanups } = this.options;
    this.services = await startServices(library, dirs.services, (line) => log(`      ${line}`));
    cleanups.push(() => stopServices(library, dirs.services, (line) => log(line)));
    notes.push(`PostgreSQL and Redis started by tools/services/services.sh in ${elapsed(started)}.`);
    return this.services;
  }

  private async startService(target: JobToProvision): Promise<void> {
    const deployed = this.deployedImages[0]?.ref;
    if (!deployed)
      throw new NotProvidedError(
        'no image was deployed in this run, and the smoke tests test the built image (the build or deploy job did not run it for real)',
      );
    const kubeconfig = this.deployedResources.length > 0 ? await this.deployCluster(target.report.notes) : undefined;
    if (kubeconfig) {
      await this.forwardDeployedService(target, deployed, kubeconfig);
      return;
    }
    await this.runServiceImage(target, deployed);
  }

  /**
   * The kubeconfig of the cluster the deploy used, when its pods run
   * containers: the local cluster with its real node, or a cluster whose
   * kubeconfig was given to the run (a secret) and has a Ready real node.
   */
  private async deployCluster(notes: string[]): Promise<string | undefined> {
    const own = this.kubeconfig ? await readFile(this.kubeconfig, 'utf8').catch(() => undefined) : undefined;
    if (this.kubeconfig && (this.deployKubeconfig === undefined || kubeconfigText(this.deployKubeconfig) === own))
      return this.realNode ? this.kubeconfig : undefined;
    if (this.deployKubeconfig === undefined) return undefined;
    const kubectl = kubectlProgram(this.options.library);
    return givenClusterKubeconfig(this.deployKubeconfig, this.options.dirs.scratch, kubectl, notes);
  }

  /** Real node: the smoke tests reach the deployed Service through the API server. */
  private async forwardDeployedService(
    { report, contexts }: JobToProvision,
    deployed: string,
    kubeconfig: string,
  ): Promise<void> {
    const { dirs, cleanups, library } = this.options;
    for (const note of standInsUsed(this.deployedResources)) report.notes.push(note);
    this.app = await forwardService({
      kubectl: kubectlProgram(library),
      kubeconfig,
      resources: this.deployedResources,
      image: deployed,
      localPort: this.appPort as number,
      logFile: path.join(dirs.logs, 'port-forward.log'),
      notes: report.notes,
      readinessPath: stringValue(contexts.inputs[PROVISIONING.readinessPathInput] ?? ''),
    });
    const app = this.app;
    cleanups.push(() => app.stop());
  }

  /** kwok nodes run no containers: the runner runs the deployed image itself. */
  private async runServiceImage({ contexts, report }: JobToProvision, deployed: string): Promise<void> {
    const { dirs, masker, cleanups } = this.options;
    if (!this.containers)
      throw new NotProvidedError(
        `the container tooling is not up (${this.containersError ?? 'no docker step ran'}), so the built image cannot run`,
      );
    const image = mapImage(deployed, this.containers.env.registry).to;
    const services = await this.ensureServices(report.notes);
    await migrateDatabase({
      serviceDir: path.resolve(dirs.workspace, stringValue(contexts.inputs[PROVISIONING.serviceDirectoryInput] ?? '.')),
      workspace: dirs.workspace,
      services,
      deployedManifests: this.deployedManifests,
      scratch: dirs.scratch,
      logs: dirs.logs,
      masker,
      notes: report.notes,
    });
    this.app = await startServiceImage({
      image,
      deployedAs: deployed,
      port: this.appPort as number,
      ...(this.deployedPort !== undefined ? { containerPort: this.deployedPort } : {}),
      readinessPath: stringValue(contexts.inputs[PROVISIONING.readinessPathInput] ?? ''),
      services,
      deployedManifests: this.deployedManifests,
      dockerEnv: this.containers.vars,
      logFile: path.join(dirs.logs, 'service.log'),
      notes: report.notes,
    });
    const app = this.app;
    cleanups.push(() => app.stop());
  }
}
