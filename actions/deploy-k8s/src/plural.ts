/** `plural(1, 'object')` is "1 object", `plural(2, 'object')` "2 objects". (Moves to the kit's plural once it has one.) */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
