/** The job summary's section on where the objects came from: kustomize, or generated (with the YAML). Pure. */
import type { Sources } from './manifest-source.js';

export function manifestSourceSummary(sources: Sources | undefined): string {
  if (!sources) return '';
  const lines: string[] = [];
  if (sources.kustomized.length > 0)
    lines.push('', `Rendered with \`kubectl kustomize\`: ${sources.kustomized.map((d) => `\`${d}\``).join(', ')}.`);
  if (sources.generated) {
    const kinds = sources.objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`).join(', ');
    lines.push(
      '',
      '### Generated manifests',
      '',
      `No manifests matched, so these were generated (generate-manifests: when-missing): ${kinds}.`,
      '',
      '<details><summary>generated-manifests.yaml</summary>',
      '',
      '```yaml',
      sources.generated.yaml.trimEnd(),
      '```',
      '</details>',
    );
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
