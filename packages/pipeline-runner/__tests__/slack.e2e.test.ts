/**
 * Slack in a local run, end to end. A failing run of the adopter fixture
 * through `runPipeline` (this working tree's pipeline.yml and notify
 * bundle): given a channel and no token, the runner starts the local Slack
 * stand-in, notify posts at the start, updates at the end and alerts in the
 * thread, and the report renders those three messages in order. A rollback
 * run goes through the runner's own job runner too, for pipeline.yml's two
 * notify jobs, with the upstream jobs' results as GitHub would pass them
 * (a production smoke failure and a successful rollback): deploying for real
 * needs the image build and the cluster, which other tests cover.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SecretMasker } from '@pipeline/action-kit/protocol';
import { githubContext } from '../src/environment.js';
import type { Json } from '../src/expressions.js';
import { resolveInputs } from '../src/inputs.js';
import { runJob } from '../src/job.js';
import { provideLocalSlack } from '../src/provisioning/local-slack.js';
import { Provisioner } from '../src/provisioning/provisioner.js';
import { toHtml, toMarkdown } from '../src/report.js';
import type { RunReport } from '../src/report-types.js';
import type { RunState } from '../src/run-state.js';
import { runPipeline } from '../src/runner.js';
import { loadWorkflow } from '../src/workflow.js';
import type { Job, ParsedWorkflow } from '../src/workflow.js';
import { Cleanups, prepareWorkspace } from '../src/workspace.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const temps: string[] = [];
afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

async function temp(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-C', cwd, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@e.test',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@e.test',
    },
  }).trim();

/** The adopter fixture with a failing test, a Slack channel and the SLACK_TOKEN secret passed (and not set). */
async function failingAdopter(): Promise<string> {
  const dir = await temp('adopter-slack-');
  await cp(path.join(root, 'fixtures/adopter-repo'), dir, {
    recursive: true,
    filter: (src) => !src.includes(`${path.sep}node_modules`),
  });
  const app = path.join(dir, 'src/app.js');
  await writeFile(app, (await readFile(app, 'utf8')).replace("['fr', 'Bonjour']", "['fr', 'Salut']"));
  const caller = path.join(dir, '.github/workflows/pipeline.yml');
  const text = (await readFile(caller, 'utf8'))
    .replace('      performance-duration: 5s\n', "      performance-duration: 5s\n      slack-channel: '#deploys'\n")
    .replace('    secrets:\n', '    secrets:\n      SLACK_TOKEN: ${{ secrets.SLACK_TOKEN }}\n');
  expect(text).toContain('SLACK_TOKEN: ${{ secrets.SLACK_TOKEN }}');
  await writeFile(caller, text);
  git(dir, 'init', '-q', '-b', 'develop');
  git(dir, 'remote', 'add', 'origin', 'https://github.com/example-org/adopter-service.git');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'fixture');
  return dir;
}

type Text = { type: string; text: string };
type Block = { type: string; text?: Text; fields?: Text[] };
const headerOf = (blocks: unknown[]): string => (blocks as Block[]).find((b) => b.type === 'header')?.text?.text ?? '';
const fieldsOf = (blocks: unknown[]): string[] =>
  (blocks as Block[]).flatMap((b) => b.fields ?? []).map((f) => f.text.replace('\n', ' '));

/** The positions of `parts` in `text`, which must all be there and in this order. */
function expectInOrder(text: string, parts: string[]): void {
  const at = parts.map((p) => [p, text.indexOf(p)] as const);
  expect(at.filter(([, i]) => i < 0)).toEqual([]);
  expect([...at].sort((a, b) => a[1] - b[1]).map(([p]) => p)).toEqual(parts);
}

describe('Slack in a local run', () => {
  it('a failing run: the start post, its update to failed and the alert in its thread, rendered in order', async () => {
    const repo = await failingAdopter();
    const reportDir = await temp('report-slack-');
    const report = await runPipeline({
      repo,
      library: root,
      libraryRef: 'worktree',
      reportDir,
      inputs: { stages: 'test,notify' },
      log: () => undefined,
    });
    const jobs = Object.fromEntries(report.jobs.map((j) => [j.path, j]));
    expect(jobs['pipeline/test']?.status).toBe('failure');
    // Codecov is not reachable from here: skipped with the reason, never passed.
    const codecov = jobs['pipeline/test']?.steps.find((s) => s.uses?.startsWith('codecov/codecov-action@'));
    expect(codecov).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/^needs codecov\.io: not reachable locally/),
    });
    expect(codecov?.emulated).toBeUndefined();

    const slack = report.slack;
    expect(slack?.channels).toEqual([
      expect.objectContaining({ name: 'deploys', id: expect.stringMatching(/^C[0-9A-F]{10}$/) }),
    ]);
    const events = slack?.events ?? [];
    expect(events.map((e) => e.kind)).toEqual(['post', 'update', 'reply']);
    const [post, update, reply] = events;
    expect(update?.ts).toBe(post?.ts);
    expect(reply?.threadTs).toBe(post?.ts);
    expect(events.map((e) => headerOf(e.blocks))).toEqual([
      ':hourglass_flowing_sand: example-org/adopter-service pipeline started',
      ':x: example-org/adopter-service pipeline failed',
      ':x: example-org/adopter-service pipeline failed',
    ]);
    expect(fieldsOf(update?.blocks ?? [])).toEqual(expect.arrayContaining(['*test* failure', '*quality* skipped']));
    // The token the runner made for the stand-in is a secret like any other.
    expect(JSON.stringify(report)).not.toMatch(/xoxb-local-[0-9a-f]/);

    const html = toHtml(report);
    expectInOrder(html, [
      '<h2>Slack messages</h2>',
      '<div class="slack-header">⏳ example-org/adopter-service pipeline started</div>',
      `chat.update of ts <code>${post?.ts}</code>`,
      '<div class="slack-header">❌ example-org/adopter-service pipeline failed</div>',
      `in the thread of ts <code>${post?.ts}</code>`,
    ]);
    expect(html).toContain('<div class="slack-field"><b>test</b><br>failure</div>');
    expectInOrder(toMarkdown(report), [
      '## Slack messages',
      '1. chat.postMessage to #deploys',
      '⏳ example-org/adopter-service pipeline started',
      '2. chat.update',
      '❌ example-org/adopter-service pipeline failed',
      '3. chat.postMessage in the thread',
    ]);
  });

  it('a rollback run: started, then rolled back, then the rollback alert in the thread', async () => {
    const report = await runNotifyJobs({
      plan: ok({ notify: 'true', environment: 'production' }),
      quality: ok(),
      security: ok(),
      test: ok(),
      build: ok({ 'image-ref': 'ghcr.io/example-org/svc@sha256:' + 'a'.repeat(64) }),
      'deploy-staging': skipped(),
      'smoke-staging': skipped(),
      'deploy-production': ok({ status: 'deployed', revision: '7', 'backup-file': '/tmp/backup.yaml' }),
      'smoke-production': { result: 'failure', outputs: {} },
      'rollback-production': ok(),
    });
    const events = report.slack?.events ?? [];
    expect(events.map((e) => [e.kind, headerOf(e.blocks)])).toEqual([
      ['post', ':hourglass_flowing_sand: example-org/svc pipeline started'],
      ['update', ':rewind: example-org/svc pipeline was rolled back'],
      ['reply', ':rewind: example-org/svc pipeline was rolled back'],
    ]);
    expect(fieldsOf(events[1]?.blocks ?? [])).toEqual(expect.arrayContaining(['*smoke* failure', '*deploy* deployed']));
    expect(JSON.stringify(events[2]?.blocks)).toContain('<@U0ONCALL1>');
    const html = toHtml(report);
    expectInOrder(html, [
      '⏳ example-org/svc pipeline started',
      '⏪ example-org/svc pipeline was rolled back',
      'slack-event slack-event-reply',
    ]);
    // The reply is what notifies: it carries the mention.
    const replyHtml = html.slice(html.indexOf('slack-event slack-event-reply'));
    expect(replyHtml).toContain('<span class="slack-mention">@U0ONCALL1</span>');
  });
});

const ok = (outputs: Record<string, string> = {}): Json => ({ result: 'success', outputs });
const skipped = (): Json => ({ result: 'skipped', outputs: {} });

function jobOf(pipeline: ParsedWorkflow, id: string): Job {
  const found = pipeline.template.jobs.find((j) => j.id.value === id);
  if (!found || found.type !== 'job') throw new Error(`no job ${id}`);
  return found;
}

/** pipeline.yml's notify-start and notify jobs through the runner's job runner, against the local Slack stand-in. */
async function runNotifyJobs(needs: Record<string, Json>): Promise<RunReport> {
  const repo = await temp('notify-repo-');
  git(repo, 'init', '-q', '-b', 'main');
  const reportDir = await temp('notify-report-');
  const pipeline = await loadWorkflow(
    '.github/workflows/pipeline.yml',
    await readFile(path.join(root, '.github/workflows/pipeline.yml'), 'utf8'),
  );
  const { dirs } = await prepareWorkspace(repo, reportDir);
  temps.push(dirs.scratch);
  const masker = new SecretMasker();
  const cleanups = new Cleanups(() => undefined);
  const report: RunReport = {
    repo,
    callerWorkflow: 'caller.yml',
    callerJob: 'pipeline',
    pipelineRef: './.github/workflows/pipeline.yml',
    library: { path: root, repository: 'example-org/pipeline-actions', commit: 'worktree', source: 'working tree' },
    event: 'push',
    ref: 'refs/heads/main',
    startedAt: new Date().toISOString(),
    durationMs: 0,
    status: 'success',
    jobs: [],
    outputs: {},
    notes: [],
  };
  const options = { repo, library: root, reportDir, provision: false };
  const state: RunState = {
    options,
    report,
    masker,
    dirs,
    log: () => undefined,
    library: { commit: undefined, repository: 'example-org/pipeline-actions', sourceDir: root },
    provisioner: new Provisioner({ enabled: false, library: root, dirs, masker, cleanups, log: () => undefined }),
    cleanups,
  };
  const inputs = resolveInputs(
    pipeline,
    { 'slack-channel': '#deploys', 'slack-mention-on-failure': 'U0ONCALL1' },
    {},
    'caller.yml',
  );
  const secrets: Record<string, string> = { GITHUB_TOKEN: '', SLACK_TOKEN: '' };
  await provideLocalSlack({
    enabled: true,
    inputs,
    pipeline,
    secrets,
    masker,
    cleanups,
    notes: report.notes,
    transcript: (t) => (report.slack = t),
  });
  const github = githubContext({
    event: 'push',
    ref: 'refs/heads/main',
    sha: 'b'.repeat(40),
    repository: 'example-org/svc',
    workflow: 'caller.yml',
    workspace: dirs.workspace,
  });
  const contexts = { github, vars: {}, secrets, inputs, env: {} };
  const run = (id: string, jobNeeds: Record<string, Json>) =>
    runJob(state, {
      workflow: pipeline,
      job: jobOf(pipeline, id),
      path: `pipeline/${id}`,
      contexts: { ...contexts, needs: jobNeeds },
      needs: [],
    });
  const start = await run('notify-start', { plan: needs['plan'] as Json });
  expect(start.result).toBe('success');
  const end = await run('notify', { ...needs, 'notify-start': { result: start.result, outputs: start.outputs } });
  expect(end.result).toBe('success');
  await cleanups.runAll();
  return report;
}
