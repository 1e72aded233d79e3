import { describe, expect, it } from '@jest/globals';
import { scrapedIn, startLocalPrometheus } from '../src/provisioning/prometheus-forward.js';

const answer = (targets: { namespace?: string; health: string }[]) => ({
  status: 'success',
  data: {
    activeTargets: targets.map((t) => ({ labels: t.namespace ? { namespace: t.namespace } : {}, health: t.health })),
  },
});

describe('scrapedIn', () => {
  it.each<[string, unknown, [number, number]]>([
    ['no answer', undefined, [0, 0]],
    ['not scraped yet (unknown) does not count', answer([{ namespace: 'ns', health: 'unknown' }]), [0, 0]],
    [
      'up and down in the namespace, others ignored',
      answer([
        { namespace: 'ns', health: 'up' },
        { namespace: 'ns', health: 'down' },
        { namespace: 'other', health: 'up' },
        { health: 'up' },
      ]),
      [1, 2],
    ],
  ])('%s', (_name, body, expected) => {
    expect(scrapedIn(body, 'ns')).toEqual(expected);
  });
});

describe('startLocalPrometheus', () => {
  it('without a real node: absent, and the note says promql checks fail', async () => {
    const notes: string[] = [];
    const got = await startLocalPrometheus({ kubectl: '/nonexistent', localPort: 9, logFile: '/dev/null', notes });
    expect(got).toBe('absent');
    expect(notes).toEqual([
      'No Prometheus for promql checks: the local cluster has no real node to run one; a promql check fails (nothing answers at http://127.0.0.1:9).',
    ]);
  });

  it('a cluster without the Prometheus Service: absent, naming the Service', async () => {
    const notes: string[] = [];
    // kubectl cannot even start: the Service cannot be found.
    const got = await startLocalPrometheus({
      kubectl: '/nonexistent/kubectl',
      kubeconfig: '/nonexistent/kubeconfig',
      localPort: 9,
      logFile: '/dev/null',
      notes,
    });
    expect(got).toBe('absent');
    expect(notes[0]).toContain('the cluster has no Service monitoring/prometheus');
  });
});
