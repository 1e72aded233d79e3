/** An action's INPUT_* variables: action.yml defaults (a `${{ }}` default evaluated by the caller), then `with:`. */
import type { Json } from './expressions.js';
import { stringValue } from './expressions.js';
import { inputVariable } from './protocol.js';

export interface DeclaredInputs {
  [name: string]: { default?: unknown; required?: boolean };
}

export interface ActionInputs {
  env: Record<string, string>;
  /** `with:` keys the action does not declare (GitHub warns and passes them anyway). */
  unexpected: string[];
}

export function actionInputEnv(declared: DeclaredInputs, withValues: Record<string, string>, evaluate: (expression: string) => Json): ActionInputs {
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    if (spec.default === undefined) continue;
    const text = stringValue(spec.default as Json);
    const expression = /^\$\{\{(.*)\}\}$/s.exec(text.trim());
    env[inputVariable(name)] = expression?.[1] ? stringValue(evaluate(expression[1])) : text;
  }
  for (const [name, value] of Object.entries(withValues)) env[inputVariable(name)] = value;
  return { env, unexpected: Object.keys(withValues).filter((k) => !(k in declared)) };
}
