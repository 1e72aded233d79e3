/**
 * What the runner tells every step about the run (GITHUB_* variables),
 * turned into the facts and links a notification shows. Pure: it takes the
 * environment as a plain record.
 */
export interface RunContext {
  repository?: string;
  repositoryUrl?: string;
  branch?: string;
  branchUrl?: string;
  sha?: string;
  commitUrl?: string;
  actor?: string;
  workflow?: string;
  runUrl?: string;
  runLabel?: string;
}

export function readRunContext(env: Readonly<Record<string, string | undefined>>): RunContext {
  const value = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const server = (value('GITHUB_SERVER_URL') ?? 'https://github.com').replace(/\/+$/, '');
  const repository = value('GITHUB_REPOSITORY');
  const repositoryUrl = repository ? `${server}/${repository.split('/').map(encodeURIComponent).join('/')}` : undefined;
  const ref = value('GITHUB_REF');
  const branch = value('GITHUB_HEAD_REF') ?? value('GITHUB_REF_NAME') ?? ref?.replace(/^refs\/(heads|tags)\//, '');
  const sha = value('GITHUB_SHA');
  const runId = value('GITHUB_RUN_ID');
  const attempt = value('GITHUB_RUN_ATTEMPT');
  const attemptNumber = attempt && /^\d+$/.test(attempt) ? Number(attempt) : 1;

  const context: RunContext = {};
  if (repository) context.repository = repository;
  if (repositoryUrl) context.repositoryUrl = repositoryUrl;
  if (branch) {
    context.branch = branch;
    if (repositoryUrl) context.branchUrl = `${repositoryUrl}/tree/${branch.split('/').map(encodeURIComponent).join('/')}`;
  }
  if (sha) {
    context.sha = sha;
    if (repositoryUrl) context.commitUrl = `${repositoryUrl}/commit/${encodeURIComponent(sha)}`;
  }
  const actor = value('GITHUB_ACTOR');
  if (actor) context.actor = actor;
  const workflow = value('GITHUB_WORKFLOW');
  if (workflow) context.workflow = workflow;
  if (runId && repositoryUrl) {
    context.runUrl = `${repositoryUrl}/actions/runs/${encodeURIComponent(runId)}${attemptNumber > 1 ? `/attempts/${attemptNumber}` : ''}`;
    context.runLabel = `run ${runId}${attemptNumber > 1 ? ` (attempt ${attemptNumber})` : ''}`;
  }
  return context;
}
