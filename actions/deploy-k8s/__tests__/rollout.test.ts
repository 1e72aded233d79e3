import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../src/objects.js';
import {
  evaluateWorkload,
  podRestarts,
  podSignal,
  readinessAllowanceMs,
  restartSignal,
  signalIsFailure,
  workloadRevision,
} from '../src/rollout.js';
import { selectorString } from '../src/watcher.js';

const deployment = (
  generation: number,
  spec: Record<string, unknown>,
  status: Record<string, unknown>,
): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', generation, annotations: { 'deployment.kubernetes.io/revision': '4' } },
  spec,
  status,
});

describe('evaluateWorkload: Deployment (as kubectl rollout status decides)', () => {
  it.each([
    [
      2,
      { replicas: 3 },
      { observedGeneration: 1 },
      'waiting',
      'waiting for the controller to observe generation 2 (observed 1)',
    ],
    [
      2,
      { replicas: 3 },
      { observedGeneration: 2, updatedReplicas: 1, replicas: 4, availableReplicas: 3 },
      'waiting',
      '1 of 3 new replicas have been updated',
    ],
    [
      2,
      { replicas: 3 },
      { observedGeneration: 2, updatedReplicas: 3, replicas: 4, availableReplicas: 3 },
      'waiting',
      '1 old replicas are pending termination',
    ],
    [
      2,
      { replicas: 3 },
      { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 2 },
      'waiting',
      '2 of 3 updated replicas are available',
    ],
    [
      2,
      { replicas: 3 },
      { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 3 },
      'complete',
      '3 of 3 replicas updated and available',
    ],
    [
      2,
      {},
      { observedGeneration: 2, updatedReplicas: 1, replicas: 1, availableReplicas: 1 },
      'complete',
      '1 of 1 replicas updated and available',
    ],
    [2, { replicas: 0 }, { observedGeneration: 2 }, 'complete', '0 of 0 replicas updated and available'],
    [
      2,
      { replicas: 3 },
      {
        observedGeneration: 2,
        updatedReplicas: 1,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "web-1" has timed out progressing.',
          },
        ],
      },
      'failed',
      'ReplicaSet "web-1" has timed out progressing.',
    ],
  ])('generation %i %j %j -> %s', (generation, spec, status, phase, message) => {
    expect(evaluateWorkload(deployment(generation, spec, status))).toMatchObject({ phase, message });
  });
});

describe('evaluateWorkload: StatefulSet and DaemonSet', () => {
  const sts = (spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', generation: 1 },
    spec,
    status: { observedGeneration: 1, ...status },
  });
  const ds = (spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', generation: 1 },
    spec,
    status: { observedGeneration: 1, ...status },
  });
  it.each([
    [sts({ replicas: 3 }, { readyReplicas: 2 }), 'waiting'],
    [
      sts({ replicas: 3 }, { readyReplicas: 3, updatedReplicas: 1, updateRevision: 'db-2', currentRevision: 'db-1' }),
      'waiting',
    ],
    [
      sts({ replicas: 3 }, { readyReplicas: 3, updatedReplicas: 3, updateRevision: 'db-2', currentRevision: 'db-2' }),
      'complete',
    ],
    [
      sts(
        { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } },
        { readyReplicas: 3, updatedReplicas: 1 },
      ),
      'complete',
    ],
    [
      sts(
        { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } },
        { readyReplicas: 3, updatedReplicas: 1 },
      ),
      'waiting',
    ],
    [sts({ updateStrategy: { type: 'OnDelete' } }, {}), 'complete'],
    [ds({}, { desiredNumberScheduled: 3, updatedNumberScheduled: 2, numberAvailable: 3 }), 'waiting'],
    [ds({}, { desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 }), 'waiting'],
    [ds({}, { desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }), 'complete'],
  ])('%#: %s', (object, phase) => {
    expect(evaluateWorkload(object).phase).toBe(phase);
  });

  it('reads revisions the way users know them', () => {
    expect(workloadRevision(deployment(1, {}, {}))).toBe('4');
    expect(workloadRevision(sts({}, { updateRevision: 'db-7', currentRevision: 'db-6' }))).toBe('db-7');
    expect(workloadRevision(ds({}, {}))).toBe('1');
    expect(workloadRevision(undefined)).toBe('');
  });
});

const pod = (
  status: Record<string, unknown>,
  spec: Record<string, unknown> = {},
  metadata: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', ...metadata },
  spec,
  status,
});
const waiting = (reason: string) => ({
  phase: 'Pending',
  containerStatuses: [
    { name: 'web', ready: false, restartCount: 0, state: { waiting: { reason, message: `${reason} message` } } },
  ],
});

describe('podSignal', () => {
  it.each(['CrashLoopBackOff', 'ErrImagePull', 'ImagePullBackOff', 'CreateContainerConfigError', 'InvalidImageName'])(
    '%s fails at once',
    (reason) => {
      expect(podSignal(pod(waiting(reason)))).toEqual({
        reason,
        message: `${reason} message`,
        container: 'web',
        immediate: true,
        minimumMs: 0,
      });
    },
  );

  it.each([
    ['ContainerCreating', undefined],
    ['PodInitializing', undefined],
  ])('%s is not a failure', (reason, expected) => {
    expect(podSignal(pod(waiting(reason)))).toBe(expected);
  });

  it('sees init containers, repeated crashes, failed pods and unschedulable pods', () => {
    expect(
      podSignal(
        pod({
          phase: 'Pending',
          initContainerStatuses: [{ name: 'migrate', state: { waiting: { reason: 'CrashLoopBackOff' } } }],
        }),
      ),
    ).toMatchObject({ reason: 'CrashLoopBackOff', container: 'migrate' });
    expect(
      podSignal(
        pod({
          phase: 'Running',
          containerStatuses: [
            { name: 'web', restartCount: 2, state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } },
          ],
        }),
      ),
    ).toMatchObject({ reason: 'OOMKilled', immediate: true });
    expect(
      podSignal(
        pod({
          phase: 'Running',
          containerStatuses: [
            { name: 'web', restartCount: 1, state: { terminated: { exitCode: 1, reason: 'Error' } } },
          ],
        }),
      ),
    ).toBeUndefined();
    expect(podSignal(pod({ phase: 'Failed', reason: 'Evicted', message: 'low on memory' }))).toMatchObject({
      reason: 'Evicted',
      immediate: true,
    });
    expect(
      podSignal(
        pod({
          phase: 'Pending',
          conditions: [
            { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' },
          ],
        }),
      ),
    ).toEqual({
      reason: 'Unschedulable',
      message: '0/3 nodes are available',
      immediate: false,
      minimumMs: 0,
    });
  });

  it('treats running-but-not-ready as a failure only after the readiness probes had their chance', () => {
    const status = {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: [{ name: 'web', ready: false, state: { running: {} } }],
    };
    expect(podSignal(pod(status))).toMatchObject({
      reason: 'NotReady',
      immediate: false,
      minimumMs: 0,
      container: 'web',
    });
    const withProbe = {
      containers: [{ name: 'web', readinessProbe: { initialDelaySeconds: 5, periodSeconds: 2, failureThreshold: 3 } }],
    };
    expect(podSignal(pod(status, withProbe))).toMatchObject({ reason: 'NotReady', minimumMs: 11_000 });
    expect(podSignal(pod({ ...status, conditions: [{ type: 'Ready', status: 'True' }] }))).toBeUndefined();
  });

  it('ignores pods being deleted', () => {
    expect(
      podSignal(pod(waiting('CrashLoopBackOff'), {}, { deletionTimestamp: '2026-01-01T00:00:00Z' })),
    ).toBeUndefined();
  });
});

describe('OOM kills and restarts (real containers)', () => {
  const oomKilled = { exitCode: 137, reason: 'OOMKilled' };
  it('an OOM kill fails at once, before any crash loop', () => {
    const running = { name: 'web', restartCount: 0, state: { terminated: oomKilled } };
    expect(podSignal(pod({ phase: 'Running', containerStatuses: [running] }))).toMatchObject({
      reason: 'OOMKilled',
      container: 'web',
      immediate: true,
    });
  });

  it('a crash loop names the last exit', () => {
    const looping = {
      name: 'web',
      restartCount: 1,
      state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error' } },
    };
    expect(podSignal(pod({ phase: 'Running', containerStatuses: [looping] }))?.message).toBe(
      'back-off 10s (last exit: Error, code 1)',
    );
  });

  it.each([
    ['no restart since the baseline', 1, 1, undefined],
    ['one restart more than the baseline', 1, 0, 'RestartedAfterReady'],
    ['an OOM kill after the baseline', 2, 1, 'OOMKilled'],
  ])('restartSignal: %s', (_what, restarts, baseline, reason) => {
    const status = {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'web',
          restartCount: restarts,
          state: { running: {} },
          lastState: { terminated: reason === 'OOMKilled' ? oomKilled : { exitCode: 1, reason: 'Error' } },
        },
      ],
    };
    expect(restartSignal(pod(status), baseline)?.reason).toBe(reason);
  });

  it('podRestarts counts init and app containers', () => {
    expect(
      podRestarts(pod({ initContainerStatuses: [{ restartCount: 1 }], containerStatuses: [{ restartCount: 2 }, {}] })),
    ).toBe(3);
  });
});

describe('failure timing', () => {
  it.each([
    [{ reason: 'CrashLoopBackOff', message: '', immediate: true, minimumMs: 0 }, 0, 0, 5000, true],
    [{ reason: 'Unschedulable', message: '', immediate: false, minimumMs: 0 }, 1000, 5999, 5000, false],
    [{ reason: 'Unschedulable', message: '', immediate: false, minimumMs: 0 }, 1000, 6000, 5000, true],
    [{ reason: 'NotReady', message: '', immediate: false, minimumMs: 30_000 }, 0, 29_999, 5000, false],
    [{ reason: 'NotReady', message: '', immediate: false, minimumMs: 30_000 }, 0, 30_000, 5000, true],
  ])('%j seen at %i, now %i, grace %i -> %s', (signal, firstSeen, now, grace, expected) => {
    expect(signalIsFailure(signal, firstSeen, now, grace)).toBe(expected);
  });

  it('adds startup and readiness probe allowances', () => {
    expect(
      readinessAllowanceMs({
        containers: [
          { startupProbe: { periodSeconds: 1, failureThreshold: 5 }, readinessProbe: {} },
          { readinessProbe: { periodSeconds: 1 } },
        ],
      }),
    ).toBe(35_000);
    expect(readinessAllowanceMs({})).toBe(0);
  });
});

describe('selectorString', () => {
  it.each([
    [{ matchLabels: { app: 'web', tier: 'front' } }, 'app=web,tier=front'],
    [
      {
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['a', 'b'] },
          { key: 'x', operator: 'Exists' },
          { key: 'y', operator: 'DoesNotExist' },
          { key: 'z', operator: 'NotIn', values: ['c'] },
        ],
      },
      'env in (a,b),x,!y,z notin (c)',
    ],
    [undefined, ''],
  ])('%j -> %s', (selector, expected) => {
    expect(selectorString(selector)).toBe(expected);
  });
});
