/**
 * Module hooks for running this package directly under Node 24's type
 * stripping (`node --import ./src/hooks.ts src/cli.ts`):
 * - the workspace's TypeScript sources import each other with `.js`
 *   extensions (as tsc and ncc expect); resolve those to the `.ts` file;
 * - @actions/workflow-parser imports its JSON schema without an import
 *   attribute (it targets bundlers); load `.json` modules as JSON.
 */
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      const parent = context.parentURL ?? '';
      if (specifier.startsWith('.') && specifier.endsWith('.js') && !parent.includes('/node_modules/')) {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      }
      throw error;
    }
  },
  load(url, context, nextLoad) {
    if (url.endsWith('.json') && context.importAttributes['type'] === undefined) {
      return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } });
    }
    return nextLoad(url, context);
  },
});
