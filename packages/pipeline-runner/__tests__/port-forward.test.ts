/**
 * startPortForward with a stand-in kubectl (a script that records its
 * arguments and serves HTTP on the local port, as port-forward does): the
 * arguments, the URL, and stop() ending it and writing its output to the log.
 */
import { afterAll, expect, it } from '@jest/globals';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startPortForward } from '../src/provisioning/port-forward.js';

const dir = mkdtempSync(path.join(tmpdir(), 'port-forward-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

it('runs kubectl port-forward to the Service on 127.0.0.1, and stop() ends it and keeps its output', async () => {
  const kubectl = path.join(dir, 'kubectl');
  const argsFile = path.join(dir, 'args');
  const server = `require('http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[1]), '127.0.0.1', () => console.log('Forwarding from 127.0.0.1'))`;
  writeFileSync(
    kubectl,
    `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\nport="\${9%%:*}"\nexec '${process.execPath}' -e "${server}" "$port"\n`,
  );
  chmodSync(kubectl, 0o755);
  const localPort = await freePort();
  const logFile = path.join(dir, 'port-forward.log');
  const forward = startPortForward({
    kubectl,
    kubeconfig: '/k/config',
    namespace: 'shop',
    service: 'web',
    port: 80,
    localPort,
    logFile,
  });
  expect(forward.url).toBe(`http://127.0.0.1:${localPort}`);
  let answer = '';
  for (let i = 0; i < 100 && answer === ''; i++) {
    answer = await fetch(forward.url).then(
      (r) => r.text(),
      () => '',
    );
    if (answer === '') await new Promise((r) => setTimeout(r, 100));
  }
  expect(answer).toBe('ok');
  expect(readFileSync(argsFile, 'utf8').trim().split('\n')).toEqual([
    '--kubeconfig',
    '/k/config',
    'port-forward',
    '--address',
    '127.0.0.1',
    '-n',
    'shop',
    'service/web',
    `${localPort}:80`,
  ]);
  await forward.stop();
  expect(forward.child.exitCode !== null || forward.child.signalCode !== null).toBe(true);
  expect(readFileSync(logFile, 'utf8')).toContain('Forwarding from 127.0.0.1');
});
