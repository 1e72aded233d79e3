import { describe, expect, it } from '@jest/globals';
import {
  formatServiceRef,
  livePod,
  liveService,
  parseServiceRef,
  resolveForward,
  type LivePod,
  type LiveService,
  type ServiceRef,
} from '../src/kube/index.js';

describe('parseServiceRef', () => {
  it.each<[string, ServiceRef]>([
    ['shop/web', { namespace: 'shop', name: 'web' }],
    ['shop/web:http', { namespace: 'shop', name: 'web', port: 'http' }],
    ['shop/web:8080', { namespace: 'shop', name: 'web', port: 8080 }],
    ['  smk-1/web-2:h2c-api  ', { namespace: 'smk-1', name: 'web-2', port: 'h2c-api' }],
    ['0ns/a:65535', { namespace: '0ns', name: 'a', port: 65535 }],
  ])('%j', (raw, ref) => {
    expect(parseServiceRef('service', raw)).toEqual(ref);
    expect(parseServiceRef('service', formatServiceRef(ref))).toEqual(ref);
  });

  it.each([
    'web',
    'shop/',
    '/web',
    'shop/web:',
    'shop/web:0',
    'shop/web:65536',
    'shop/Web',
    'shop/1web',
    'Shop/web',
    'shop/web/x',
    'shop/web:http:80',
    'shop/web:-http',
    'shop/web:ht--tp',
    'shop/web:a-very-long-port-name',
    'shop/web:HTTP',
    'http://shop/web',
    `${'a'.repeat(64)}/web`,
    'shop/web :80',
  ])('rejects %j, naming the input, the value and the format', (raw) => {
    expect(() => parseServiceRef('service', raw)).toThrow(
      `Input 'service' has an invalid value ${JSON.stringify(raw)}: expected namespace/name or namespace/name:port, such as shop/web:http`,
    );
  });
});

const service = (ports: LiveService['ports'], selector: Record<string, string> = { app: 'web' }): LiveService => ({
  name: 'web',
  namespace: 'shop',
  selector,
  ports,
});
const pod = (
  name: string,
  ready = true,
  ports: LivePod['containerPorts'] = [{ name: 'http', containerPort: 8080 }],
): LivePod => ({
  name,
  ready,
  containerPorts: ports,
});
const ref = (port?: number | string): ServiceRef => ({
  namespace: 'shop',
  name: 'web',
  ...(port === undefined ? {} : { port }),
});

describe('resolveForward (Service -> ready pod -> pod port)', () => {
  const named = [
    { name: 'metrics', port: 9090, targetPort: 9090 },
    { name: 'http', port: 80, targetPort: 'http' },
  ];
  it.each<[string, ServiceRef, LiveService, LivePod[], { pod: string; podPort: number; servicePort: number }]>([
    [
      'default: the http port, named targetPort',
      ref(),
      service(named),
      [pod('a')],
      { pod: 'a', podPort: 8080, servicePort: 80 },
    ],
    ['by port name', ref('metrics'), service(named), [pod('a')], { pod: 'a', podPort: 9090, servicePort: 9090 }],
    ['by port number', ref(80), service(named), [pod('a')], { pod: 'a', podPort: 8080, servicePort: 80 }],
    [
      'no targetPort: the port itself',
      ref(),
      service([{ port: 3000 }]),
      [pod('a')],
      { pod: 'a', podPort: 3000, servicePort: 3000 },
    ],
    [
      'numeric targetPort as text',
      ref(),
      service([{ port: 80, targetPort: '8081' }]),
      [pod('a')],
      { pod: 'a', podPort: 8081, servicePort: 80 },
    ],
    [
      'first TCP port when none is http',
      ref(),
      service([
        { port: 53, protocol: 'UDP' },
        { port: 81, targetPort: 8080 },
      ]),
      [pod('a')],
      { pod: 'a', podPort: 8080, servicePort: 81 },
    ],
    [
      'skips pods that are not ready',
      ref(),
      service(named),
      [pod('a', false), pod('b')],
      { pod: 'b', podPort: 8080, servicePort: 80 },
    ],
    [
      'a named targetPort only some ready pods declare',
      ref(),
      service(named),
      [pod('a', true, [{ name: 'web', containerPort: 1 }]), pod('b')],
      { pod: 'b', podPort: 8080, servicePort: 80 },
    ],
  ])('%s', (_name, r, s, pods, expected) => {
    const target = resolveForward(r, s, pods);
    expect({ pod: target.pod, podPort: target.podPort, servicePort: target.servicePort.port }).toEqual(expected);
  });

  it('prefers a pod whose forward did not just fail, and falls back to it when it is the only one', () => {
    const s = service(named);
    expect(resolveForward(ref(), s, [pod('a'), pod('b')], new Set(['a'])).pod).toBe('b');
    expect(resolveForward(ref(), s, [pod('a')], new Set(['a'])).pod).toBe('a');
  });

  it.each<[string, ServiceRef, LiveService, LivePod[], RegExp]>([
    [
      'no ready pod',
      ref(),
      service(named),
      [pod('a', false), pod('b', false)],
      /^Service shop\/web has no ready pod: 2 pod\(s\) match its selector app=web, none of them Ready$/,
    ],
    ['no pod at all', ref(), service(named), [], /^Service shop\/web selects no pod \(selector app=web\)$/],
    ['no selector', ref(), service(named, {}), [pod('a')], /^Service shop\/web has no selector/],
    [
      'no such port name',
      ref('grpc'),
      service(named),
      [pod('a')],
      /^Service shop\/web has no TCP port grpc; its TCP ports: 9090 \(metrics\), 80 \(http\)$/,
    ],
    ['no such port number', ref(81), service(named), [pod('a')], /has no TCP port 81;/],
    [
      'only UDP ports',
      ref(),
      service([{ port: 53, protocol: 'UDP' }]),
      [pod('a')],
      /^Service shop\/web has no TCP port to reach$/,
    ],
    [
      'a named targetPort no pod declares',
      ref(),
      service(named),
      [pod('a', true, [])],
      /port 80 targets the container port named "http", which no ready pod behind it declares/,
    ],
  ])('%s: a clear error', (_name, r, s, pods, message) => {
    expect(() => resolveForward(r, s, pods)).toThrow(message);
  });
});

describe('livePod and liveService (the API objects as plain shapes)', () => {
  const running = {
    metadata: { name: 'web-1' },
    spec: { containers: [{ ports: [{ name: 'http', containerPort: 8080 }] }, {}] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  };
  it.each<[string, unknown, boolean]>([
    ['running and Ready', running, true],
    [
      'Ready False',
      { ...running, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } },
      false,
    ],
    ['pending', { ...running, status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'True' }] } }, false],
    ['being deleted', { ...running, metadata: { name: 'web-1', deletionTimestamp: new Date() } }, false],
    ['no status', { metadata: { name: 'x' } }, false],
  ])('%s', (_name, object, ready) => {
    expect(livePod(object).ready).toBe(ready);
  });

  it('keeps the ports a resolution needs', () => {
    expect(livePod(running).containerPorts).toEqual([{ name: 'http', containerPort: 8080 }]);
    expect(
      liveService({
        metadata: { name: 'web', namespace: 'shop' },
        spec: {
          selector: { app: 'web' },
          ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }, { port: 81 }],
        },
      }),
    ).toEqual({
      name: 'web',
      namespace: 'shop',
      selector: { app: 'web' },
      ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }, { port: 81 }],
    });
  });
});
