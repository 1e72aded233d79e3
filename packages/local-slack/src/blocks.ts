/**
 * Slack's Block Kit rules for the blocks a message may carry, as Slack
 * enforces them on chat.postMessage / chat.update and incoming webhooks.
 *
 * From Slack's Block Kit reference (header, section, context, actions,
 * divider blocks; text objects; the button element): at most 50 blocks;
 * header text is plain_text of 1-150 characters; section text 1-3000
 * characters, or 1-10 fields of at most 2000 characters each; context 1-10
 * elements of at most 3000 characters; actions 1-25 elements; a button's
 * text is plain_text of at most 75 characters, its url at most 3000, value
 * at most 2000, action_id at most 255, style primary or danger; block_id at
 * most 255. Errors read "... [json-pointer:/blocks/N/...]", as Slack's do.
 */

export const BLOCK_LIMITS = Object.freeze({
  blocks: 50,
  header: 150,
  sectionText: 3000,
  fields: 10,
  field: 2000,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonUrl: 3000,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  messageText: 40_000,
});

type Errors = string[];
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function textObject(errors: Errors, value: unknown, pointer: string, max: number, types: readonly string[]): void {
  if (!isObject(value)) {
    errors.push(`must be a text object [json-pointer:${pointer}]`);
    return;
  }
  if (!types.includes(String(value['type'])))
    errors.push(`must be one of ${types.join(', ')} [json-pointer:${pointer}/type]`);
  const text = value['text'];
  if (typeof text !== 'string' || text.length === 0)
    errors.push(`must be more than 0 characters [json-pointer:${pointer}/text]`);
  else if (text.length > max) errors.push(`must be less than ${max + 1} characters [json-pointer:${pointer}/text]`);
}

function maxString(errors: Errors, value: unknown, pointer: string, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.length > max)
    errors.push(`must be less than ${max + 1} characters [json-pointer:${pointer}]`);
}

function button(errors: Errors, value: unknown, at: string): void {
  if (!isObject(value) || value['type'] !== 'button') {
    errors.push(`unsupported element type [json-pointer:${at}/type]`);
    return;
  }
  textObject(errors, value['text'], `${at}/text`, BLOCK_LIMITS.buttonText, ['plain_text']);
  maxString(errors, value['url'], `${at}/url`, BLOCK_LIMITS.buttonUrl);
  maxString(errors, value['value'], `${at}/value`, BLOCK_LIMITS.buttonValue);
  maxString(errors, value['action_id'], `${at}/action_id`, BLOCK_LIMITS.actionId);
  const style = value['style'];
  if (style !== undefined && style !== 'primary' && style !== 'danger')
    errors.push(`must be one of primary, danger [json-pointer:${at}/style]`);
}

function list(errors: Errors, value: unknown, pointer: string, max: number): unknown[] {
  if (!Array.isArray(value) || value.length === 0) {
    errors.push(`must be a non-empty array [json-pointer:${pointer}]`);
    return [];
  }
  if (value.length > max) errors.push(`no more than ${max} items allowed [json-pointer:${pointer}]`);
  return value;
}

function section(errors: Errors, block: Record<string, unknown>, at: string): void {
  const fields = block['fields'];
  if (block['text'] === undefined && fields === undefined)
    errors.push(`must provide text or fields [json-pointer:${at}]`);
  if (block['text'] !== undefined)
    textObject(errors, block['text'], `${at}/text`, BLOCK_LIMITS.sectionText, ['plain_text', 'mrkdwn']);
  if (fields !== undefined)
    list(errors, fields, `${at}/fields`, BLOCK_LIMITS.fields).forEach((field, j) =>
      textObject(errors, field, `${at}/fields/${j}`, BLOCK_LIMITS.field, ['plain_text', 'mrkdwn']),
    );
  if (block['accessory'] !== undefined) button(errors, block['accessory'], `${at}/accessory`);
}

function oneBlock(errors: Errors, raw: unknown, at: string): void {
  if (!isObject(raw)) {
    errors.push(`must be an object [json-pointer:${at}]`);
    return;
  }
  maxString(errors, raw['block_id'], `${at}/block_id`, BLOCK_LIMITS.blockId);
  switch (raw['type']) {
    case 'header':
      return textObject(errors, raw['text'], `${at}/text`, BLOCK_LIMITS.header, ['plain_text']);
    case 'section':
      return section(errors, raw, at);
    case 'context':
      list(errors, raw['elements'], `${at}/elements`, BLOCK_LIMITS.contextElements).forEach((element, j) =>
        textObject(errors, element, `${at}/elements/${j}`, BLOCK_LIMITS.contextText, ['plain_text', 'mrkdwn']),
      );
      return;
    case 'actions':
      list(errors, raw['elements'], `${at}/elements`, BLOCK_LIMITS.actionsElements).forEach((element, j) =>
        button(errors, element, `${at}/elements/${j}`),
      );
      return;
    case 'divider':
      return;
    default:
      errors.push(`unsupported block type ${JSON.stringify(raw['type'])} [json-pointer:${at}/type]`);
  }
}

/** Slack-style error strings for blocks that break Block Kit rules; empty when valid. */
export function validateBlocks(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return ['must be an array [json-pointer:/blocks]'];
  const errors: Errors = [];
  if (blocks.length > BLOCK_LIMITS.blocks)
    errors.push(`no more than ${BLOCK_LIMITS.blocks} items allowed [json-pointer:/blocks]`);
  blocks.forEach((raw: unknown, i) => oneBlock(errors, raw, `/blocks/${i}`));
  return errors;
}
