/**
 * The time GitHub would take for the measured jobs: there, jobs whose needs
 * are met run in parallel, so the run lasts as long as its longest `needs`
 * chain; the local runner runs them one after another.
 */
export interface TimedJob {
  path: string;
  durationMs: number;
  /** Paths this job waited for; a path that names a calling job stands for every job inside it. */
  needs: string[];
}

export interface CriticalPath {
  /** Length of the longest needs chain: the wall time with unlimited parallel runners. */
  durationMs: number;
  /** The jobs on that chain that took time, first to last. */
  chain: string[];
  /** All job times added up: what running them one after another costs. */
  sequentialMs: number;
}

export function criticalPath(jobs: TimedJob[]): CriticalPath {
  const byPath = new Map(jobs.map((j) => [j.path, j]));
  const resolve = (need: string): TimedJob[] => {
    const exact = byPath.get(need);
    return exact ? [exact] : jobs.filter((j) => j.path.startsWith(`${need}/`));
  };
  const finish = new Map<string, { at: number; chain: string[] }>();
  const visiting = new Set<string>();
  const finishOf = (job: TimedJob): { at: number; chain: string[] } => {
    const known = finish.get(job.path);
    if (known) return known;
    if (visiting.has(job.path)) throw new Error(`needs cycle through ${job.path}`);
    visiting.add(job.path);
    let before: { at: number; chain: string[] } = { at: 0, chain: [] };
    for (const dep of job.needs.flatMap(resolve)) {
      const candidate = finishOf(dep);
      if (candidate.at > before.at) before = candidate;
    }
    visiting.delete(job.path);
    // A job that took no time (skipped) is on no one's critical path worth naming.
    const result = {
      at: before.at + job.durationMs,
      chain: job.durationMs > 0 ? [...before.chain, job.path] : before.chain,
    };
    finish.set(job.path, result);
    return result;
  };
  let longest: { at: number; chain: string[] } = { at: 0, chain: [] };
  for (const job of jobs) {
    const candidate = finishOf(job);
    if (candidate.at > longest.at) longest = candidate;
  }
  return { durationMs: longest.at, chain: longest.chain, sequentialMs: jobs.reduce((sum, j) => sum + j.durationMs, 0) };
}
