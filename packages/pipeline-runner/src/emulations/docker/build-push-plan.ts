/**
 * The `docker buildx build` argument array for build-push-action's inputs,
 * in the action's order (getBuildArgs + getCommonArgs upstream), rewritten
 * for the local run: image names to the local registry, type=gha caches to
 * local directories, secret values into 0600 files under the step's temp
 * directory (only their paths reach argv). Pure: file facts come in as sets.
 */
import path from 'node:path';
import { attestArgs } from './build-attests.js';
import { planCache } from './build-cache.js';
import type { CacheMove } from './build-cache.js';
import { parseSecretKvp } from './build-push-inputs.js';
import type { BuildPushInputs } from './build-push-inputs.js';
import { workflowRunUrl } from './github-context.js';
import { parseCsv, parseBool } from './inputs.js';
import { parsePlatforms } from './platforms.js';
import { ALL_HOSTS, mapImages } from './registry-mapping.js';
import type { Redirects } from './registry-mapping.js';
import { InputError } from './types.js';
import type { DockerEnv, GitHubContext, ImageMapping } from './types.js';

export interface PlanContext {
  github: GitHubContext;
  docker: DockerEnv;
  env: Record<string, string>;
  workspace: string;
  /** The step's temp directory (secrets, iidfile, metadata file). */
  tmpDir: string;
  /** Absolute paths known to exist (Dockerfile, context, secret files, cache index.json directories). */
  existing: ReadonlySet<string>;
}

export interface SecretFile {
  path: string;
  content: string;
}

export interface BuildPlan {
  /** argv[0] is the docker CLI; never a shell string. */
  argv: string[];
  secretFiles: SecretFile[];
  iidFile: string;
  metadataFile: string;
  cacheMoves: CacheMove[];
  mappings: ImageMapping[];
  masks: string[];
  notes: string[];
  warnings: string[];
  dockerfile: string;
}

export function resolvePath(workspace: string, p: string): string {
  return path.resolve(workspace, p);
}

/** Pre-checks that fail with buildx's own wording, before any build starts. */
export function checkFiles(inputs: BuildPushInputs, ctx: PlanContext): string {
  const contextDir = resolvePath(ctx.workspace, inputs.context);
  if (!ctx.existing.has(contextDir))
    throw new InputError(
      `unable to prepare context: path "${inputs.context}" not found (input 'context', resolved to ${contextDir})`,
    );
  if (inputs.file === '-')
    throw new InputError("input 'file': a Dockerfile on stdin ('-') is not supported by the local emulation");
  const dockerfile = inputs.file ? resolvePath(ctx.workspace, inputs.file) : path.join(contextDir, 'Dockerfile');
  if (!ctx.existing.has(dockerfile)) {
    throw new InputError(
      `failed to read dockerfile: open ${path.basename(dockerfile)}: no such file or directory (input 'file' ${JSON.stringify(inputs.file || '(default: <context>/Dockerfile)')}, resolved to ${dockerfile})`,
    );
  }
  return dockerfile;
}

function mapOutputs(
  outputs: readonly string[],
  registry: string,
  redirects: Redirects,
  mappings: ImageMapping[],
): string[] {
  return outputs.map((entry) => {
    const fields = parseCsv(entry)[0] ?? [];
    if (!fields.some((f) => /^type=(image|registry)$/.test(f.trim()))) return entry;
    return fields
      .map((field) => {
        const m = /^\s*name=(.*)$/s.exec(field);
        if (!m) return field;
        const names = mapImages((m[1] as string).split(','), registry, redirects);
        mappings.push(...names.mappings);
        const value = `name=${names.refs.join(',')}`;
        return value.includes(',') ? `"${value}"` : value;
      })
      .join(',');
  });
}

function hasExporter(outputs: readonly string[], type: string): boolean {
  return outputs.some((entry) => {
    const fields = (parseCsv(entry)[0] ?? []).map((f) => f.trim());
    if (fields.length === 1 && !fields[0]?.startsWith('type=')) return type === 'local';
    return fields.includes(`type=${type}`);
  });
}

function secretArgs(inputs: BuildPushInputs, plan: BuildPlan): string[] {
  const args: string[] = [];
  inputs['secret-envs'].forEach((kvp, i) => {
    const parsed = parseSecretKvp(kvp);
    if (parsed) args.push('--secret', `id=${parsed[0]},env=${parsed[1]}`);
    else plan.warnings.push(`secret-envs entry ${i + 1} is not a valid secret (expected id=ENV_VAR)`);
  });
  return args;
}

function secretFileArgs(inputs: BuildPushInputs, ctx: PlanContext, plan: BuildPlan): string[] {
  const args: string[] = [];
  inputs.secrets.forEach((kvp, i) => {
    const parsed = parseSecretKvp(kvp);
    if (!parsed) {
      plan.warnings.push(`secrets entry ${i + 1} is not a valid secret (expected id=value)`);
      return;
    }
    const file = path.join(ctx.tmpDir, `secret-${i + 1}`);
    plan.secretFiles.push({ path: file, content: parsed[1] });
    plan.masks.push(parsed[1]);
    args.push('--secret', `id=${parsed[0]},src=${file}`);
  });
  inputs['secret-files'].forEach((kvp, i) => {
    const parsed = parseSecretKvp(kvp);
    if (!parsed) plan.warnings.push(`secret-files entry ${i + 1} is not a valid secret (expected id=path)`);
    else if (!ctx.existing.has(resolvePath(ctx.workspace, parsed[1])))
      plan.warnings.push(`secret file ${parsed[1]} not found`);
    else args.push('--secret', `id=${parsed[0]},src=${parsed[1]}`);
  });
  return args;
}

const repeat = (flag: string, values: readonly string[]): string[] => values.flatMap((v) => [flag, v]);
const optional = (flag: string, value: string): string[] => (value ? [flag, value] : []);

function noDefaultAttestations(env: Record<string, string>): boolean {
  const value = env['BUILDX_NO_DEFAULT_ATTESTATIONS'];
  return value ? parseBool(value) : false;
}

function commonFlags(inputs: BuildPushInputs, metadataFile: string): string[] {
  return [
    ...optional('--builder', inputs.builder),
    ...(inputs.load ? ['--load'] : []),
    '--metadata-file',
    metadataFile,
    ...optional('--network', inputs.network),
    ...(inputs['no-cache'] ? ['--no-cache'] : []),
    ...(inputs.pull ? ['--pull'] : []),
    ...(inputs.push ? ['--push'] : []),
  ];
}

interface Rewritten {
  tags: string[];
  outputs: string[];
  cacheArgs: string[];
}

/** Image names and caches rewritten for the local registry and cache directory. */
function rewrite(inputs: BuildPushInputs, ctx: PlanContext, plan: BuildPlan): Rewritten {
  const { docker } = ctx;
  const redirects = docker.redirectHosts ?? ALL_HOSTS;
  const named = <T>(input: string, f: () => T): T => {
    try {
      return f();
    } catch (error) {
      throw new InputError(`input '${input}': ${(error as Error).message}`);
    }
  };
  const mapped = named('tags', () => mapImages(inputs.tags, docker.registry, redirects));
  plan.mappings.push(...mapped.mappings);
  const outputs = named('outputs', () => mapOutputs(inputs.outputs, docker.registry, redirects, plan.mappings));
  const existingCaches = new Set(
    [...ctx.existing].filter((p) => p.endsWith(`${path.sep}index.json`)).map((p) => path.dirname(p)),
  );
  const target = { cacheDir: docker.cacheDir, registry: docker.registry, redirects };
  const cache = named('cache-from/cache-to', () =>
    planCache(inputs['cache-from'], inputs['cache-to'], target, existingCaches),
  );
  plan.cacheMoves = cache.moves;
  plan.mappings.push(...cache.mappings);
  plan.notes.push(...cache.notes);
  return { tags: mapped.refs, outputs, cacheArgs: cache.args };
}

/** The whole plan; throws InputError for a bad platform, tag, file or context. */
export function planBuild(inputs: BuildPushInputs, ctx: PlanContext): BuildPlan {
  const dockerfile = checkFiles(inputs, ctx);
  parsePlatforms(inputs.platforms, ctx.docker.hostArch);
  const plan: BuildPlan = {
    argv: [],
    secretFiles: [],
    iidFile: path.join(ctx.tmpDir, 'build-iidfile.txt'),
    metadataFile: path.join(ctx.tmpDir, 'build-metadata.json'),
    cacheMoves: [],
    mappings: [],
    masks: [],
    notes: [],
    warnings: [],
    dockerfile,
  };
  const { tags, outputs, cacheArgs } = rewrite(inputs, ctx, plan);
  const attests = attestArgs({
    provenance: inputs.provenance,
    sbom: inputs.sbom,
    attests: inputs.attests,
    dockerExporter: inputs.load || hasExporter(outputs, 'docker'),
    noDefaultAttestations: noDefaultAttestations(ctx.env),
    privateRepository: (ctx.github.payload['repository'] as { private?: boolean } | undefined)?.private ?? false,
    builderId: workflowRunUrl(ctx.github),
  });
  const iid = hasExporter(outputs, 'local') || hasExporter(outputs, 'tar') ? [] : ['--iidfile', plan.iidFile];
  const build = [
    'build',
    ...repeat('--add-host', inputs['add-hosts']),
    ...repeat('--allow', inputs.allow),
    ...repeat('--annotation', inputs.annotations),
    ...repeat('--build-arg', inputs['build-args']),
    ...repeat('--build-context', inputs['build-contexts']),
    ...cacheArgs,
    ...optional('--call', inputs.call),
    ...optional('--cgroup-parent', inputs['cgroup-parent']),
    ...secretArgs(inputs, plan),
    ...optional('--file', inputs.file),
    ...iid,
    ...repeat('--label', inputs.labels),
    ...repeat('--no-cache-filter', inputs['no-cache-filters']),
    ...repeat('--output', outputs),
    ...(inputs.platforms.length > 0 ? ['--platform', inputs.platforms.join(',')] : []),
    ...attests,
    ...secretFileArgs(inputs, ctx, plan),
    ...optional('--shm-size', inputs['shm-size']),
    ...repeat('--ssh', inputs.ssh),
    ...repeat('--tag', tags),
    ...optional('--target', inputs.target),
    ...repeat('--ulimit', inputs.ulimit),
  ];
  plan.argv = [ctx.docker.dockerCommand, 'buildx', ...build, ...commonFlags(inputs, plan.metadataFile), inputs.context];
  return plan;
}
