/**
 * Which library ref a caller's `uses: owner/repo/...@<ref>` means here.
 * A release moves the major and minor tags (v1, v1.2) to each vX.Y.Z
 * (release.yml), so `@v1` is the tag v1 when this checkout has it, else the
 * newest local v1.Y.Z; a ref that is nowhere here is explained, pointing to
 * --library-ref. A call inside the same repository (`./.github/...`) of a
 * clean run comes from the run's commit, not the working tree.
 */
import type { Caller } from './caller.js';
import { tryGit } from './local.js';
import type { ResolvedLibrary } from './library.js';
import { loadWorkflow, WorkflowError } from './workflow.js';

const MOVING_TAG = /^v(\d+)(?:\.(\d+))?$/;

/** The newest release tag vX.Y.Z that the moving tag (v1 or v1.2) would point at, among the given tags. */
export function newestRelease(moving: string, tags: readonly string[]): string | undefined {
  const m = MOVING_TAG.exec(moving);
  if (!m) return undefined;
  const [, major, minor] = m;
  const releases = tags
    .map((t) => ({ tag: t, v: /^v(\d+)\.(\d+)\.(\d+)$/.exec(t) }))
    .filter((r) => r.v && r.v[1] === major && (minor === undefined || r.v[2] === minor))
    .map((r) => ({ tag: r.tag, parts: [Number(r.v?.[1]), Number(r.v?.[2]), Number(r.v?.[3])] }));
  releases.sort((a, b) => b.parts[0]! - a.parts[0]! || b.parts[1]! - a.parts[1]! || b.parts[2]! - a.parts[2]!);
  return releases[0]?.tag;
}

export interface LibraryRefChoice {
  /** The ref to resolve in the library checkout (undefined: the caller's own, which exists). */
  libraryRef: string | undefined;
  notes: string[];
}

const exists = async (library: string, ref: string): Promise<boolean> =>
  (await tryGit(library, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])) !== undefined;

/** The caller's @ref as this checkout has it, or the local release tag it stands for; an explanation when there is neither. */
export async function chooseLibraryRef(
  caller: Caller,
  library: string,
  libraryRef: string | undefined,
): Promise<LibraryRefChoice> {
  if (libraryRef !== undefined || caller.target.kind === 'local') return { libraryRef, notes: [] };
  const wanted = caller.target.ref;
  if ((await exists(library, wanted)) || (await exists(library, `origin/${wanted}`)))
    return { libraryRef: undefined, notes: [] };
  const tags = ((await tryGit(library, ['tag', '--list', 'v*'])) ?? '').split('\n').filter((t) => t !== '');
  const release = newestRelease(wanted, tags);
  if (release)
    return {
      libraryRef: release,
      notes: [
        `${caller.job.ref.value}: there is no tag ${wanted} in ${library}; a release moves ${wanted} to its newest vX.Y.Z, so the run uses the local tag ${release} (--library-ref <ref> picks another).`,
      ],
    };
  const hint = MOVING_TAG.test(wanted)
    ? `no tag ${wanted} and no release tag ${wanted}.*${wanted.includes('.') ? '' : '.*'} here (local tags: ${tags.slice(-5).join(', ') || 'none'}; git fetch --tags brings the published ones)`
    : `'${wanted}' is not a commit, branch or tag here`;
  throw new WorkflowError(
    `${caller.workflow.file} calls ${caller.job.ref.value}, but ${library} has ${hint}. ` +
      `Pass --library-ref <commit|branch|tag> to run that library version (e.g. --library-ref HEAD for this checkout's commit), or --library-ref worktree for its uncommitted files.`,
  );
}

/** A call inside the repository itself, for a run of a commit: the pipeline and its actions at that commit. */
export async function localCallAtCommit(
  caller: Caller,
  repo: string,
  sha: string,
  repository: string,
): Promise<ResolvedLibrary> {
  const pipelinePath = caller.target.workflowPath;
  const content = await tryGit(repo, ['show', `${sha}:${pipelinePath}`]);
  if (content === undefined)
    throw new WorkflowError(
      `${caller.workflow.file} calls ./${pipelinePath}, which commit ${sha.slice(0, 12)} does not have`,
    );
  return {
    repository,
    commit: sha,
    shownCommit: sha,
    source: 'commit',
    sourceDir: repo,
    pipeline: await loadWorkflow(pipelinePath, content),
  };
}
