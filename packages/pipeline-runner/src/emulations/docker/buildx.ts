/**
 * docker/setup-buildx-action@v4.3.0 for a local run: select the project's
 * builder (BuildKit started by npm run containers:up) instead of creating
 * one, boot it with `docker buildx inspect --bootstrap`, and set the
 * action's outputs from that text the way the actions toolkit parses it
 * (Builder.parseInspect): name, driver, platforms (a node's `*` preferred
 * platforms win), nodes (JSON). v4.3.0 sets no endpoint/status/flags outputs
 * (they are declared but deprecated), so neither does this.
 */
import { getInput } from './inputs.js';
import { NO_ENGINE, failure, skipped } from './types.js';
import type { EmulationContext, EmulationIO, EmulationOutcome, StepInputs } from './types.js';

export interface GCPolicy {
  all?: boolean;
  filter?: string[];
  keepDuration?: string;
  keepBytes?: string;
  reservedSpace?: string;
  maxUsedSpace?: string;
  minFreeSpace?: string;
}

export interface NodeInfo {
  name?: string;
  endpoint?: string;
  'driver-opts'?: string[];
  status?: string;
  'buildkitd-flags'?: string;
  buildkit?: string;
  platforms?: string;
  features?: Record<string, boolean>;
  labels?: Record<string, string>;
  gcPolicy?: GCPolicy[];
  files?: Record<string, string>;
}

export interface BuilderInfo {
  name?: string;
  driver?: string;
  lastActivity?: Date;
  nodes: NodeInfo[];
}

interface ParseState {
  builder: BuilderInfo;
  node: NodeInfo;
  section?: 'features' | 'label' | 'gcpolicy' | 'file' | 'devices';
  gc?: GCPolicy;
  file?: string;
}

function flushGc(s: ParseState): void {
  if (s.gc && s.node.gcPolicy) s.node.gcPolicy.push(s.gc);
  s.gc = undefined;
}

function preferredPlatforms(value: string): string {
  const all = value.split(', ');
  return (value.includes('*') ? all.filter((p) => p.includes('*')).map((p) => p.replace(/\*/g, '')) : all).join(',');
}

const GC_KEYS: Record<string, keyof GCPolicy> = {
  'keep duration': 'keepDuration',
  'keep bytes': 'keepBytes',
  'reserved space': 'reservedSpace',
  'max used space': 'maxUsedSpace',
  'min free space': 'minFreeSpace',
};

function sectionLine(s: ParseState, key: string, value: string, line: string): void {
  const k = key.trim();
  if (s.section === 'features') (s.node.features ??= {})[k] = Boolean(value);
  else if (s.section === 'label') (s.node.labels ??= {})[k] = value;
  else if (s.section === 'gcpolicy') {
    s.node.gcPolicy ??= [];
    s.gc ??= {};
    const lk = k.toLowerCase();
    if (lk === 'all') s.gc.all = value === 'true';
    else if (lk === 'filters' && value) s.gc.filter = value.split(',');
    else if (GC_KEYS[lk]) (s.gc as Record<string, unknown>)[GC_KEYS[lk]] = value;
  } else if (s.section === 'file' && s.file !== undefined && s.node.files) {
    const prev = s.node.files[s.file] ?? '';
    s.node.files[s.file] = `${prev}${prev.length > 0 ? '\n' : ''}${line.replace(/^\s>\s?/, '')}`;
  }
}

/** Plain `Key: value` lines; true when the key was one of them. */
function simpleLine(s: ParseState, lkey: string, value: string): boolean {
  switch (lkey) {
    case 'driver':
      s.builder.driver = value;
      break;
    case 'last activity':
      s.builder.lastActivity = new Date(value);
      break;
    case 'endpoint':
      s.node.endpoint = value;
      break;
    case 'driver options':
      s.node['driver-opts'] = (value.match(/([a-zA-Z0-9_.]+)="([^"]*)"/g) ?? []).map((v) =>
        v.replace(/^(.*)="(.*)"$/, '$1=$2'),
      );
      break;
    case 'status':
      s.node.status = value;
      break;
    case 'buildkit daemon flags':
    case 'flags':
      s.node['buildkitd-flags'] = value;
      break;
    case 'buildkit version':
    case 'buildkit':
      s.node.buildkit = value;
      break;
    case 'platforms':
      if (value) s.node.platforms = preferredPlatforms(value);
      break;
    default:
      return false;
  }
  s.section = undefined;
  return true;
}

function keyLine(s: ParseState, key: string, value: string, line: string): void {
  const lkey = key.toLowerCase();
  if (lkey === 'name') {
    s.section = undefined;
    if (s.builder.name === undefined) s.builder.name = value;
    else {
      flushGc(s);
      if (s.node.name) s.builder.nodes.push(s.node);
      s.node = { name: value };
    }
  } else if (simpleLine(s, lkey, value)) return;
  else if (lkey === 'features') {
    s.section = 'features';
    s.node.features = {};
  } else if (lkey === 'labels') {
    s.section = 'label';
    s.node.labels = {};
  } else if (lkey === 'devices') s.section = 'devices';
  else if (lkey.startsWith('gc policy rule#')) {
    s.section = 'gcpolicy';
    flushGc(s);
  } else if (lkey.startsWith('file#')) {
    s.section = 'file';
    s.file = key.split('#')[1] ?? '';
    (s.node.files ??= {})[s.file] = '';
  } else sectionLine(s, key, value, line);
}

/** `docker buildx inspect` text → BuilderInfo (the toolkit's parseInspect; devices are not kept). */
export function parseInspect(text: string): BuilderInfo {
  const s: ParseState = { builder: { nodes: [] }, node: {} };
  for (const line of text.trim().split('\n')) {
    const [key = '', ...rest] = line.split(':');
    if (key.length === 0) continue;
    keyLine(s, key, rest.map((v) => v.trim()).join(':'), line);
  }
  flushGc(s);
  if (s.node.name) s.builder.nodes.push(s.node);
  return s.builder;
}

/** The action's outputs for a builder. */
export function builderOutputs(name: string, info: BuilderInfo): Record<string, string> {
  const platforms: string[] = [];
  for (const node of info.nodes)
    for (const p of node.platforms?.split(',') ?? []) if (!platforms.includes(p)) platforms.push(p);
  return {
    name,
    driver: info.driver ?? '',
    platforms: platforms.join(','),
    nodes: JSON.stringify(info.nodes, undefined, 2),
  };
}

const IGNORED = [
  'version',
  'driver-opts',
  'buildkitd-flags',
  'buildkitd-config',
  'buildkitd-config-inline',
  'endpoint',
  'platforms',
  'append',
];

/** The emulation: selects and boots the project's builder. */
export async function setupBuildxAction(
  raw: StepInputs,
  context: EmulationContext,
  io: EmulationIO,
): Promise<EmulationOutcome> {
  const docker = context.docker;
  if (!docker) return skipped(NO_ENGINE);
  if (!docker.builder)
    return failure('no project builder configured (BUILDX_BUILDER is empty): npm run containers:up prints it');
  const res = await io.exec([docker.dockerCommand, 'buildx', 'inspect', '--bootstrap', docker.builder], {
    env: { DEBUG: '1' },
  });
  if (res.exitCode !== 0)
    return failure(res.stderr.trim() || `docker buildx inspect ${docker.builder} exited with ${res.exitCode}`);
  const info = parseInspect(res.stdout);
  if (info.nodes.length === 0) return failure(`docker buildx inspect ${docker.builder} listed no nodes`);
  const requested = getInput(raw, 'name');
  const driver = getInput(raw, 'driver') || 'docker-container';
  const notes = [
    `emulated: selected the project's builder ${docker.builder} (driver ${info.driver ?? 'unknown'}) instead of creating ${requested ? `builder ${requested}` : 'a new builder'} with driver ${driver}`,
  ];
  const ignored = IGNORED.filter((name) => getInput(raw, name) !== '');
  if (ignored.length > 0) notes.push(`inputs not applied to the project's builder: ${ignored.join(', ')}`);
  return { status: 'success', outputs: builderOutputs(docker.builder, info), notes };
}
