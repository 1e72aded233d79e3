/**
 * `npm run pipeline -- init <repo>`: writes, for review and commit, a caller
 * workflow and, only where missing, a Dockerfile, kustomize manifests and
 * smoke-checks.yml, from what it detects in the repository. Prints what it
 * detected and what it assumed. Never modifies a file that exists.
 */
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { detectBuild, detectPackageManager, detectStart } from '../../../../actions/containerize/src/detect.js';
import { renderDockerfile, renderDockerignore } from '../../../../actions/containerize/src/dockerfile.js';
import { repositoryName, tryGit } from '../local.js';
import { detectProject, type Project } from './detect.js';
import { renderCaller, renderManifests, renderSmokeChecks } from './render.js';

export interface InitOptions {
  repo: string;
  library: string;
  /** Prefix of the namespaces the overlays create (e.g. a team's). */
  namespacePrefix: string;
  log: (line: string) => void;
}

export interface InitResult {
  project: Project;
  written: string[];
  kept: string[];
}

/** YAML as the repository's own Prettier configuration formats it (its quality stage checks every file it wrote). */
async function formatLike(file: string, text: string): Promise<string> {
  if (!/\.ya?ml$/.test(file)) return text;
  const prettier = await import('prettier');
  const config = (await prettier.resolveConfig(file, { editorconfig: true })) ?? {};
  return prettier.format(text, { ...config, filepath: file });
}

const exists = async (file: string): Promise<boolean> => (await stat(file).catch(() => undefined)) !== undefined;

function dockerfileText(project: Project): string {
  const manager = detectPackageManager(project.files, project.pkg);
  return renderDockerfile({
    nodeVersion: '24',
    manager: manager.manager,
    managerVersion: manager.version,
    lockfile: manager.lockfile,
    build: detectBuild(project.files, project.pkg, manager.manager).command,
    start: detectStart(project.pkg, manager.manager, undefined, project.mainExists).command,
    port: project.port,
  });
}

/** The files init would write, relative to the repository. */
async function plannedFiles(project: Project, options: InitOptions): Promise<Record<string, string>> {
  const service = (file: string): string => path.join(project.serviceDirectory, file);
  const sha = (await tryGit(options.library, ['rev-parse', 'HEAD'])) ?? 'main';
  const library = await repositoryName(options.library);
  const branch = (await tryGit(options.repo, ['rev-parse', '--abbrev-ref', 'HEAD'])) ?? 'main';
  const files: Record<string, string> = {
    '.github/workflows/pipeline.yml': renderCaller(project, {
      // A checkout without an origin remote: the name the docs use (the local run maps any owner/name to this checkout).
      library: library.startsWith('local/') ? 'example-org/pipeline-actions' : library,
      sha,
      branch: branch === 'HEAD' ? 'main' : branch,
    }),
  };
  if (!project.hasDockerfile) {
    files[service('Dockerfile')] = dockerfileText(project);
    if (!project.files.has('.dockerignore')) files[service('.dockerignore')] = renderDockerignore(undefined);
  }
  const k8s = path.join(options.repo, project.serviceDirectory, 'k8s');
  if (!(await exists(k8s)) || (await readdir(k8s)).length === 0)
    for (const [file, text] of Object.entries(renderManifests(project, options.namespacePrefix)))
      files[service(file)] = text;
  files[service('smoke-checks.yml')] = renderSmokeChecks(project.readinessPath);
  return files;
}

export async function runInit(options: InitOptions): Promise<InitResult> {
  const project = await detectProject(options.repo);
  const { log } = options;
  log(`init ${options.repo}`);
  log('');
  const width = Math.max(...project.facts.map((f) => f.what.length));
  for (const origin of ['detected', 'input', 'assumed'] as const) {
    const facts = project.facts.filter((f) => f.origin === origin);
    if (facts.length === 0) continue;
    log(`${origin}:`);
    for (const f of facts) log(`  ${f.what.padEnd(width)}  ${f.value}  (${f.how})`);
  }
  const written: string[] = [];
  const kept: string[] = [];
  for (const [file, text] of Object.entries(await plannedFiles(project, options))) {
    const target = path.join(options.repo, file);
    if (await exists(target)) {
      kept.push(file);
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, await formatLike(target, text), { flag: 'wx' });
    written.push(file);
  }
  log('');
  log(`wrote (review and commit): ${written.length > 0 ? written.join(', ') : 'nothing'}`);
  if (kept.length > 0) log(`kept as they are (exist): ${kept.join(', ')}`);
  log(`next: npm run pipeline -- ${options.repo}`);
  return { project, written, kept };
}
