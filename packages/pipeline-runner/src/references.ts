/**
 * Which names of a context (`secrets`, `vars`...) a workflow fragment reads:
 * every `${{ }}` expression and `if:` condition in it, read with the official
 * lexer (`secrets.NAME` and `secrets['NAME']`).
 */
import { Lexer } from '@actions/expressions';
import { TokenType } from '@actions/expressions/lexer';
import type { Token } from '@actions/expressions/lexer';
import { isBasicExpression, isMapping, isSequence, isString } from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';

export function expressionReferences(expression: string, context: string): string[] {
  let tokens: Token[];
  try {
    tokens = new Lexer(expression).lex().tokens;
  } catch {
    return [];
  }
  const names: string[] = [];
  for (let i = 0; i + 2 < tokens.length; i++) {
    const [head, op, name] = [tokens[i], tokens[i + 1], tokens[i + 2]] as [Token, Token, Token];
    if (head.type !== TokenType.IDENTIFIER || head.lexeme.toLowerCase() !== context) continue;
    if (i > 0 && tokens[i - 1]?.type === TokenType.DOT) continue; // `x.secrets.NAME` is not the context
    if (op.type === TokenType.DOT && name.type === TokenType.IDENTIFIER) names.push(name.lexeme);
    if (op.type === TokenType.LEFT_BRACKET && name.type === TokenType.STRING) names.push(String(name.value));
  }
  return names;
}

/** The names of `context` read anywhere in a template token, in first-seen order. */
export function contextReferences(token: TemplateToken | undefined, context: string): string[] {
  const found = new Set<string>();
  const walk = (t: TemplateToken | undefined, key?: string): void => {
    if (!t) return;
    if (isBasicExpression(t)) for (const name of expressionReferences(t.expression, context)) found.add(name);
    else if (isString(t) && key === 'if') for (const name of expressionReferences(t.value, context)) found.add(name);
    else if (isSequence(t)) for (let i = 0; i < t.count; i++) walk(t.get(i));
    else if (isMapping(t)) for (const pair of t) walk(pair.value, isString(pair.key) ? pair.key.value : undefined);
  };
  walk(token);
  return [...found];
}
