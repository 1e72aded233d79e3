/**
 * The one spelling of "which Service to reach": `namespace/name:port`, where
 * port is a Service port's number or name and may be left off (then its
 * `http` port, else its first TCP port). deploy-k8s writes it as its `service`
 * output; smoke-test reads it as its `service` input.
 */
import { InputError } from '../errors.js';

export interface ServiceRef {
  namespace: string;
  name: string;
  /** A Service port's number or name; undefined: its `http` port, else its first TCP port. */
  port?: number | string;
}

export const SERVICE_REF_ACCEPTED =
  'namespace/name or namespace/name:port, such as shop/web:http or shop/web:8080 (a namespace and a Service name of lower-case letters, digits and "-", and a Service port number 1-65535 or its name)';

/** A DNS-1123 label: namespace names (at most 63 characters). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A DNS-1035 label: Service names start with a letter. */
const DNS_1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** An IANA service name, as Kubernetes checks port names: 1-15 characters, a letter, no "--" and no "-" at either end. */
const PORT_NAME = /^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/;

/** `namespace/name[:port]`; throws InputError naming `input`, the value and the format. */
export function parseServiceRef(input: string, raw: string): ServiceRef {
  const value = raw.trim();
  const match = /^([^/:\s]+)\/([^/:\s]+)(?::([^/:\s]+))?$/.exec(value);
  const [, namespace, name, port] = match ?? [];
  if (!namespace || !name || !DNS_LABEL.test(namespace) || !DNS_1035.test(name))
    throw new InputError(input, raw, SERVICE_REF_ACCEPTED);
  const ref: ServiceRef = { namespace, name };
  if (port === undefined) return ref;
  if (/^\d+$/.test(port)) {
    const number = Number(port);
    if (number < 1 || number > 65535) throw new InputError(input, raw, SERVICE_REF_ACCEPTED);
    ref.port = number;
  } else if (PORT_NAME.test(port)) ref.port = port;
  else throw new InputError(input, raw, SERVICE_REF_ACCEPTED);
  return ref;
}

export function formatServiceRef(ref: ServiceRef): string {
  return `${ref.namespace}/${ref.name}${ref.port === undefined ? '' : `:${ref.port}`}`;
}
