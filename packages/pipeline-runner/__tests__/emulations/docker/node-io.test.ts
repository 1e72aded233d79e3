import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { nodeIO } from '../../../src/emulations/docker/node-io.js';

describe('nodeIO: the real process and file access', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'docker-emulation-io-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs an argument array without a shell, stdin in, env merged, lines reported', async () => {
    const lines: string[] = [];
    const io = nodeIO({
      env: { PATH: process.env['PATH'] ?? '', BASE: 'b' },
      cwd: dir,
      tempRoot: dir,
      onLine: (l) => lines.push(l),
    });
    const script =
      'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{console.log(process.argv[1]+"|"+s+"|"+process.env.BASE+process.env.EXTRA);console.error("err line");process.exit(3)})';
    const res = await io.exec([process.execPath, '-e', script, '$(not expanded); echo'], {
      stdin: 'pw',
      env: { EXTRA: 'x' },
    });
    expect(res).toEqual({ exitCode: 3, stdout: '$(not expanded); echo|pw|bx\n', stderr: 'err line\n' });
    expect(lines).toEqual(expect.arrayContaining(['$(not expanded); echo|pw|bx', 'err line']));
  });

  it('a missing command is exit 127 with the reason', async () => {
    const res = await nodeIO({ env: {}, cwd: dir, tempRoot: dir }).exec(['/nonexistent/docker', 'version']);
    expect(res.exitCode).toBe(127);
    expect(res.stderr).toMatch(/\/nonexistent\/docker: spawn .*ENOENT/);
  });

  it('writes (with mode), reads, renames, removes; temp dirs are fresh', async () => {
    const io = nodeIO({ env: {}, cwd: dir, tempRoot: path.join(dir, 'tmp') });
    const t = await io.makeTempDir('x-');
    expect(await io.exists(t)).toBe(true);
    await io.writeFile(path.join(t, 'a/b.txt'), 'hi', 0o600);
    expect(await io.readFile(path.join(t, 'a/b.txt'))).toBe('hi');
    await io.rename(path.join(t, 'a'), path.join(t, 'c'));
    expect(await io.readFile(path.join(t, 'c/b.txt'))).toBe('hi');
    expect(await io.readFile(path.join(t, 'a/b.txt'))).toBeUndefined();
    await io.remove(t);
    expect(await io.exists(t)).toBe(false);
  });
});
