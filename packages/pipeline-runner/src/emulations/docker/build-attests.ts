/**
 * build-push-action v7.3.0's attestation flags (getAttestArgs upstream, with
 * the actions toolkit's Build.resolve* helpers): provenance/sbom inputs win
 * over `attests`, booleans become `disabled=`, provenance gets a builder-id,
 * and with no provenance input BuildKit's default is made explicit
 * (mode=max for public repositories, min + inline-only for private ones).
 */
import { getBooleanInput, getInput, isBool, parseBool, parseCsv, splitFirst } from './inputs.js';
import type { StepInputs } from './types.js';

function fields(attrs: string): string[] {
  return parseCsv(attrs).flatMap((record) => record.map((f) => f.trim()));
}

export function hasAttestationType(name: string, attrs: string): boolean {
  return fields(attrs).some((field) => {
    const [key, value] = field.split('=').map((item) => item.trim());
    return key === 'type' && value === name;
  });
}

export function resolveAttestationAttrs(attrs: string): string {
  return fields(attrs)
    .map((attr) => (isBool(attr) ? `disabled=${!parseBool(attr)}` : attr))
    .join(',');
}

export function resolveProvenanceAttrs(input: string, builderId: string): string {
  if (!input) return `builder-id=${builderId}`;
  const hasBuilderId = parseCsv(input)[0]?.some((field) => splitFirst(field)[0] === 'builder-id') ?? false;
  return hasBuilderId ? input : `${input},builder-id=${builderId}`;
}

/** The `provenance` input as the toolkit reads it: '' unset, 'false', or attributes with a builder-id. */
export function provenanceInput(inputs: StepInputs, builderId: string): string {
  const value = getInput(inputs, 'provenance');
  if (!value) return '';
  try {
    return getBooleanInput(inputs, 'provenance') ? `builder-id=${builderId}` : 'false';
  } catch {
    return resolveProvenanceAttrs(value, builderId);
  }
}

export interface AttestOptions {
  provenance: string;
  sbom: string;
  attests: string[];
  /** --load or a docker exporter: BuildKit adds no default provenance then. */
  dockerExporter: boolean;
  noDefaultAttestations: boolean;
  privateRepository: boolean;
  builderId: string;
}

export function attestArgs(o: AttestOptions): string[] {
  const args: string[] = [];
  const hasAttestProvenance = o.attests.some((a) => hasAttestationType('provenance', a));
  if (o.provenance) {
    args.push('--attest', resolveAttestationAttrs(`type=provenance,${o.provenance}`));
  } else if (!hasAttestProvenance && !o.noDefaultAttestations && !o.dockerExporter) {
    const mode = o.privateRepository ? 'mode=min,inline-only=true' : 'mode=max';
    args.push('--attest', `type=provenance,${resolveProvenanceAttrs(mode, o.builderId)}`);
  }
  if (o.sbom) args.push('--attest', resolveAttestationAttrs(`type=sbom,${o.sbom}`));
  for (const attest of o.attests) {
    const isProvenance = hasAttestationType('provenance', attest);
    const isSbom = hasAttestationType('sbom', attest);
    if (!isProvenance && !isSbom) args.push('--attest', resolveAttestationAttrs(attest));
    else if (!o.provenance && isProvenance) args.push('--attest', resolveProvenanceAttrs(attest, o.builderId));
    else if (!o.sbom && isSbom) args.push('--attest', attest);
  }
  return args;
}
