/**
 * The containerize stage: decides which Dockerfile the build uses and, when
 * the repository has none and the caller named none, writes the built-in
 * one; says what it detected and what it assumed.
 */
import * as core from '@actions/core';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ActionError, infoUntrusted, markdownTable, phase, printable, tail, writeSummary } from '@pipeline/action-kit';
import {
  detectBuild,
  detectPackageManager,
  detectPort,
  detectStart,
  fact,
  readPackageJson,
  type Fact,
  type PortChoice,
} from './detect.js';
import { renderDockerfile, renderDockerignore } from './dockerfile.js';
import { getInputs, type Inputs } from './inputs.js';
import { decidePort, type PortDecision } from './port-decision.js';
import { dockerEngine, probeImage, realClock, realProcFiles, type ProbeDependencies } from './probe.js';
import { readSources, realProjectIo, type ProjectIo } from './project.js';
import { uniqueListeners } from './sockets.js';

export interface Dependencies extends ProjectIo, ProbeDependencies {
  write(file: string, text: string): Promise<void>;
}

export const realDependencies: Dependencies = {
  ...realProjectIo,
  engine: dockerEngine(),
  proc: realProcFiles,
  clock: realClock,
  write: async (file, text) => {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  },
};

export interface Plan {
  dockerfile: string;
  generated: boolean;
  /** The static port choice (the probe starts from it). */
  portChoice: PortChoice;
  startCommand: string;
  packageManager: string;
  facts: Fact[];
  /** The built-in Dockerfile's text, when generated. */
  text?: string;
}

async function readPackage(dir: string, io: ProjectIo): Promise<unknown> {
  const text = await io.readText(path.join(dir, 'package.json'));
  if (text === undefined)
    throw new ActionError(
      `working-directory ${printable(dir)} has no package.json: the built-in Dockerfile is for Node.js services (name a Dockerfile with the dockerfile input, or add one).`,
    );
  try {
    return JSON.parse(text) as unknown;
  } catch (error: unknown) {
    throw new ActionError(`${printable(path.join(dir, 'package.json'))} is not valid JSON: ${String(error)}`);
  }
}

/** The repository's own Dockerfile: the one the caller named (which must exist), else `Dockerfile` when present. */
async function ownDockerfile(inputs: Inputs, io: ProjectIo): Promise<{ file: string; text: string } | undefined> {
  const file = inputs.dockerfile ?? path.join(inputs.workingDirectory, 'Dockerfile');
  const text = await io.readText(file);
  if (text === undefined && inputs.dockerfile !== undefined)
    throw new ActionError(
      `Input 'dockerfile': ${printable(path.relative(inputs.workingDirectory, file))} does not exist in ${printable(inputs.workingDirectory)}. Expected an existing Dockerfile, or no dockerfile input to use the repository's Dockerfile or, without one, the built-in Node.js Dockerfile.`,
    );
  return text === undefined ? undefined : { file, text };
}

export async function plan(inputs: Inputs, io: ProjectIo): Promise<Plan> {
  const own = await ownDockerfile(inputs, io);
  const sources = await readSources(inputs.workingDirectory, io);
  const dockerfileSource = own ? { path: path.relative(inputs.workingDirectory, own.file), text: own.text } : undefined;
  const port = detectPort(inputs.port, dockerfileSource, sources);
  if (own) {
    return {
      dockerfile: own.file,
      generated: false,
      portChoice: port,
      startCommand: '',
      packageManager: '',
      facts: [fact('Dockerfile', dockerfileSource?.path ?? '', 'detected', 'the repository'), port.fact],
    };
  }
  const pkg = readPackageJson(await readPackage(inputs.workingDirectory, io));
  const names = new Set((await io.list(inputs.workingDirectory)).map((e) => e.name));
  const manager = detectPackageManager(names, pkg);
  const build = detectBuild(names, pkg, manager.manager);
  const mainExists =
    pkg.main !== undefined && (await io.readText(path.join(inputs.workingDirectory, pkg.main))) !== undefined;
  const start = detectStart(pkg, manager.manager, inputs.startCommand, mainExists);
  const text = renderDockerfile({
    nodeVersion: inputs.nodeVersion,
    manager: manager.manager,
    managerVersion: manager.version,
    lockfile: manager.lockfile,
    build: build.command,
    start: start.command,
    port: port.port,
  });
  const readsPort = port.readsPortVariable
    ? fact('$PORT', 'read', 'detected', 'process.env.PORT in the sources')
    : fact(
        '$PORT',
        'not read',
        'detected',
        `no process.env.PORT in the sources: the service must listen on ${port.port} itself`,
      );
  return {
    dockerfile: path.join(inputs.outputDirectory, 'Dockerfile'),
    generated: true,
    portChoice: port,
    startCommand: start.command.join(' '),
    packageManager: manager.manager,
    facts: [
      fact('Dockerfile', 'built-in', 'assumed', 'no Dockerfile in the repository and no dockerfile input'),
      manager.fact,
      build.fact,
      start.fact,
      port.fact,
      readsPort,
    ],
    text,
  };
}

function summary(result: Plan): string {
  const rows = result.facts.map((f) => [f.what, f.value, f.origin, f.how]);
  const lines = [
    `## Containerize: ${result.generated ? 'built-in Dockerfile' : "the repository's Dockerfile"}`,
    '',
    markdownTable(['what', 'value', 'origin', 'how'], rows),
  ];
  if (result.text)
    lines.push(
      '',
      '<details><summary>Generated Dockerfile</summary>',
      '',
      '```dockerfile',
      result.text,
      '```',
      '</details>',
    );
  return lines.join('\n');
}

function probeSummary(image: string, decision: PortDecision): string {
  const rows = decision.facts.map((f) => [f.what, f.value, f.origin, f.how]);
  return [
    `## Containerize: port of the built image`,
    '',
    `Image \`${printable(image)}\`: port **${decision.port}** (${decision.source}).`,
    '',
    markdownTable(['what', 'value', 'origin', 'how'], rows),
  ].join('\n');
}

/** Probe mode: the static choice again (pure, cheap), then the built image started and watched. */
async function probe(inputs: Inputs, image: string, deps: Dependencies): Promise<void> {
  const result = await phase('Detect', () => plan(inputs, deps));
  const choice = result.portChoice;
  let decision: PortDecision;
  if (choice.source === 'input') {
    core.info(`The port input (${choice.port}) sets the port: the image is not started.`);
    decision = decidePort(choice, undefined);
  } else {
    const probed = await phase(`Start ${printable(image)} and watch its TCP ports`, () =>
      probeImage({ image, port: choice.port, timeoutMs: inputs.probeTimeoutMs }, deps),
    );
    decision = decidePort(choice, probed.outcome);
    if (!probed.removed)
      core.warning(`The probe's container ${probed.name} may be left behind: docker did not confirm its removal.`);
    if (probed.outcome.kind === 'listening')
      core.setOutput(
        'listening',
        uniqueListeners(probed.outcome.listeners)
          .map((l) => l.port)
          .join(','),
      );
  }
  for (const warning of decision.warnings) core.warning(printable(warning));
  if (decision.logs !== undefined) {
    core.info("The container's last log lines:");
    infoUntrusted(tail(decision.logs, { lines: 20 }));
  }
  const facts = [...result.facts.filter((f) => f.what !== 'port'), ...decision.facts];
  for (const f of decision.facts) core.info(`${f.what}: ${printable(f.value)} (${f.origin}: ${printable(f.how)})`);
  core.setOutput('port', String(decision.port));
  core.setOutput('port-source', decision.source);
  core.setOutput('facts', JSON.stringify(facts));
  await writeSummary(probeSummary(image, decision));
}

export async function main(deps: Dependencies = realDependencies): Promise<void> {
  const inputs = getInputs();
  if (inputs.probeImage !== undefined) return probe(inputs, inputs.probeImage, deps);
  const result = await phase('Detect', () => plan(inputs, deps));
  for (const f of result.facts) core.info(`${f.what}: ${printable(f.value)} (${f.origin}: ${printable(f.how)})`);
  if (result.text !== undefined) {
    const text = result.text;
    await phase('Write the built-in Dockerfile', async () => {
      await deps.write(result.dockerfile, text);
      // BuildKit reads <Dockerfile>.dockerignore beside a Dockerfile before the context's .dockerignore.
      const ignore = await deps.readText(path.join(inputs.workingDirectory, '.dockerignore'));
      await deps.write(`${result.dockerfile}.dockerignore`, renderDockerignore(ignore));
      core.info(`wrote ${result.dockerfile}`);
    });
  }
  core.setOutput('dockerfile', result.dockerfile);
  core.setOutput('generated', String(result.generated));
  core.setOutput('port', String(result.portChoice.port));
  core.setOutput('port-source', result.portChoice.source);
  core.setOutput('start-command', result.startCommand);
  core.setOutput('package-manager', result.packageManager);
  core.setOutput('facts', JSON.stringify(result.facts));
  await writeSummary(summary(result));
}
