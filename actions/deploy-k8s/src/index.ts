import { cacheCompiledCode } from './compile-cache.js';

// The compile cache goes on before the rest of the action is loaded (start.js is a chunk of its own), so the
// action's code is cached too, not only the Kubernetes client it loads later.
cacheCompiledCode(process.env);
const { start } = await import('./start.js');
start();
