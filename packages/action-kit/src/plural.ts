/**
 * A count with its noun: `plural(1, 'finding')` is "1 finding", `plural(3, 'finding')`
 * "3 findings". Irregular nouns pass their plural: `plural(2, 'entry', 'entries')`.
 */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
