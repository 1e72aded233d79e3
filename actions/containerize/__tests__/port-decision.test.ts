import { describe, expect, it } from '@jest/globals';
import { detectPort, type PortChoice } from '../src/detect.js';
import { decidePort, type ProbeOutcome } from '../src/port-decision.js';
import type { Listener } from '../src/sockets.js';

const exposed3000 = detectPort(undefined, { path: 'Dockerfile', text: 'FROM node\nEXPOSE 3000\n' }, []);
const assumed = detectPort(undefined, undefined, []);
const fromInput = detectPort(8080, undefined, []);
const any = (port: number): Listener => ({ family: 'tcp6', address: '::', port });
const loopback = (port: number): Listener => ({ family: 'tcp', address: '127.0.0.1', port });
const listening = (...listeners: Listener[]): ProbeOutcome => ({ kind: 'listening', listeners, afterMs: 1200 });

describe('the port after the probe', () => {
  it.each<[string, PortChoice, ProbeOutcome | undefined, number, string, RegExp | undefined]>([
    ['the input wins; nothing is started', fromInput, undefined, 8080, 'input', undefined],
    ['one port, the static one', exposed3000, listening(any(3000)), 3000, 'observed', undefined],
    [
      'one port, not the EXPOSEd one',
      exposed3000,
      listening(any(8081)),
      8081,
      'observed',
      /listens on 8081, not on 3000 .*Correct the Dockerfile's EXPOSE/,
    ],
    [
      'one port on IPv4 and IPv6',
      assumed,
      listening(any(8081), { family: 'tcp', address: '0.0.0.0', port: 8081 }),
      8081,
      'observed',
      /not on 3000/,
    ],
    ['several, the static one among them', exposed3000, listening(any(9090), any(3000)), 3000, 'observed', undefined],
    [
      'several, without the static one: the lowest',
      exposed3000,
      listening(any(9464), any(8081)),
      8081,
      'observed',
      /ports 8081, 9464, none of them 3000 .* using the lowest, 8081/,
    ],
    [
      'a loopback port does not count',
      exposed3000,
      listening(loopback(9229), any(8081)),
      8081,
      'observed',
      /not on 3000/,
    ],
    [
      'only loopback: kept static',
      exposed3000,
      listening(loopback(8081)),
      3000,
      'exposed',
      /only on loopback \(127\.0\.0\.1:8081\)/,
    ],
    [
      'nothing within the timeout',
      assumed,
      { kind: 'timeout', afterMs: 20_000, logs: 'waiting for db' },
      3000,
      'assumed',
      /nothing listened on TCP within 20\.0 s/,
    ],
    [
      'the container exited',
      exposed3000,
      { kind: 'exited', exitCode: 1, afterMs: 300, logs: 'Error: boom' },
      3000,
      'exposed',
      /exited with code 1 after 0\.3 s/,
    ],
    [
      'the engine failed',
      exposed3000,
      { kind: 'failed', reason: 'docker run failed (exit 125): no such image', logs: '' },
      3000,
      'exposed',
      /not observed \(docker run failed/,
    ],
  ])('%s', (_what, choice, outcome, port, source, warning) => {
    const decision = decidePort(choice, outcome);
    expect(decision).toMatchObject({ port, source });
    if (warning) expect(decision.warnings.join('\n')).toMatch(warning);
    else expect(decision.warnings).toEqual([]);
    const portFact = decision.facts.find((f) => f.what === 'port');
    expect(portFact?.value).toBe(String(port));
    // Observed only when it was: the port's row says so, and nothing else claims it.
    expect(portFact?.origin === 'observed').toBe(source === 'observed');
  });

  it('keeps the logs of a container that observed nothing, and says where the static port came from', () => {
    const decision = decidePort(exposed3000, {
      kind: 'exited',
      exitCode: 2,
      afterMs: 100,
      logs: 'missing DATABASE_URL\n',
    });
    expect(decision.logs).toBe('missing DATABASE_URL\n');
    expect(decision.facts).toContainEqual({
      what: 'port',
      value: '3000',
      origin: 'detected',
      how: 'EXPOSE in Dockerfile; not observed: the container exited with code 2 after 0.1 s',
    });
    expect(decision.facts[0]).toMatchObject({ what: 'probe', value: 'exited (code 2)', origin: 'observed' });
  });

  it('lists what it saw in the probe row', () => {
    const decision = decidePort(assumed, listening(any(9090), loopback(9229)));
    expect(decision.facts[0]).toMatchObject({ what: 'probe', value: '[::]:9090, 127.0.0.1:9229', origin: 'observed' });
  });
});
