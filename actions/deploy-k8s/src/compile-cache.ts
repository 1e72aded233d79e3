/**
 * V8's code cache for the action: the Kubernetes client is some 18 MB of
 * JavaScript, and compiling it, with the action's own 0.8 MB, is most of
 * the start-up. It is kept in the runner's tool cache (which lasts between
 * the steps of a job, and between jobs on a self-hosted runner), so a run
 * after the first on a machine skips most of that. Nothing is cached
 * without RUNNER_TOOL_CACHE.
 */
import { enableCompileCache } from 'node:module';
import path from 'node:path';

export function cacheCompiledCode(env: NodeJS.ProcessEnv): void {
  const toolCache = env['RUNNER_TOOL_CACHE'];
  if (!toolCache) return;
  try {
    enableCompileCache(path.join(toolCache, 'deploy-k8s', 'v8-compile-cache'));
  } catch {
    // A cache that cannot be written only costs time.
  }
}
