/**
 * The container port once the image has been started: what it was seen
 * listening on wins over what the files say, but only when it was seen. Pure
 * (tested with tables): the probe's outcome in, the port, how it was found,
 * the facts and the warnings out.
 */
import { fact, type Fact, type PortChoice, type PortSource } from './detect.js';
import { formatListener, isLoopback, uniqueListeners, type Listener } from './sockets.js';

/** What starting the image showed. */
export type ProbeOutcome =
  /** Listening sockets were read while the container ran. */
  | { kind: 'listening'; listeners: Listener[]; afterMs: number }
  /** The container ran for the whole time and listened on nothing. */
  | { kind: 'timeout'; afterMs: number; logs: string }
  /** The container stopped before it listened. */
  | { kind: 'exited'; exitCode: number; afterMs: number; logs: string }
  /** The engine could not start it or its sockets could not be read. */
  | { kind: 'failed'; reason: string; logs: string };

export interface PortDecision {
  port: number;
  source: PortSource;
  /** The probe's row and the port's row, for the facts output and the summary. */
  facts: Fact[];
  warnings: string[];
  /** The container's last log lines when the probe observed nothing (printed escaped by the caller). */
  logs?: string;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function keepStatic(choice: PortChoice, probe: Fact, why: string, logs: string): PortDecision {
  return {
    port: choice.port,
    source: choice.source,
    facts: [probe, { ...choice.fact, how: `${choice.fact.how}; not observed: ${why}` }],
    warnings: [
      `The port was not observed (${why}): keeping ${choice.port} from ${choice.fact.how} (${choice.fact.origin}). Set the port input if the service listens elsewhere.`,
    ],
    ...(logs.trim() === '' ? {} : { logs }),
  };
}

/** The port: the input, else the one port the running image listens on (several: the static one if among them, else the lowest), else the static choice. */
export function decidePort(choice: PortChoice, outcome: ProbeOutcome | undefined): PortDecision {
  if (choice.source === 'input' || outcome === undefined)
    return {
      port: choice.port,
      source: choice.source,
      facts: [
        choice.source === 'input'
          ? fact('probe', 'not run', 'input', 'the port input sets the port')
          : fact('probe', 'not run', 'assumed', 'the image was not started'),
        choice.fact,
      ],
      warnings: [],
    };
  if (outcome.kind === 'exited')
    return keepStatic(
      choice,
      fact(
        'probe',
        `exited (code ${outcome.exitCode})`,
        'observed',
        `after ${seconds(outcome.afterMs)}, before listening`,
      ),
      `the container exited with code ${outcome.exitCode} after ${seconds(outcome.afterMs)}`,
      outcome.logs,
    );
  if (outcome.kind === 'timeout')
    return keepStatic(
      choice,
      fact('probe', 'nothing listening', 'observed', `for ${seconds(outcome.afterMs)} (probe-timeout)`),
      `nothing listened on TCP within ${seconds(outcome.afterMs)}`,
      outcome.logs,
    );
  if (outcome.kind === 'failed')
    return keepStatic(choice, fact('probe', 'failed', 'observed', outcome.reason), outcome.reason, outcome.logs);

  const listeners = uniqueListeners(outcome.listeners);
  const seen = listeners.map(formatListener).join(', ');
  const probe = fact(
    'probe',
    seen,
    'observed',
    `listening after ${seconds(outcome.afterMs)} (/proc/<pid>/net/tcp, tcp6)`,
  );
  const ports = [...new Set(listeners.filter((l) => !isLoopback(l.address)).map((l) => l.port))].sort((a, b) => a - b);
  if (ports.length === 0)
    return keepStatic(
      choice,
      probe,
      `the container listens only on loopback (${seen}), which nothing outside it reaches`,
      '',
    );
  const warnings: string[] = [];
  let port: number;
  if (ports.length === 1) port = ports[0] as number;
  else if (ports.includes(choice.port)) port = choice.port;
  else {
    port = ports[0] as number;
    warnings.push(
      `The image listens on ports ${ports.join(', ')}, none of them ${choice.port} (${choice.fact.how}): using the lowest, ${port}. Set the port input to choose another.`,
    );
  }
  if (port !== choice.port && ports.length === 1)
    warnings.push(
      `The image listens on ${port}, not on ${choice.port} (${choice.fact.how}, ${choice.fact.origin}): using ${port}.${choice.source === 'exposed' ? " Correct the Dockerfile's EXPOSE." : ''}`,
    );
  const how =
    ports.length === 1
      ? `the running image (PORT=${choice.port} set)`
      : `the running image listens on ${ports.join(', ')}; ${port === choice.port ? `${port} is the static choice (${choice.fact.how})` : 'the lowest'}`;
  return { port, source: 'observed', facts: [probe, fact('port', String(port), 'observed', how)], warnings };
}
