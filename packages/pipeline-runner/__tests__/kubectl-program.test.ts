import { describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kubectlProgram } from '../src/environment.js';

describe('kubectlProgram', () => {
  it("is the project's kubectl when it is built", async () => {
    const library = await mkdtemp(path.join(tmpdir(), 'library-'));
    await mkdir(path.join(library, 'tools/kube/bin'), { recursive: true });
    await writeFile(path.join(library, 'tools/kube/bin/kubectl'), '#!/bin/sh\n', { mode: 0o755 });
    expect(kubectlProgram(library)).toBe(path.join(library, 'tools/kube/bin/kubectl'));
  });

  it('is the kubectl on PATH in a checkout that has not built it (spawning the missing one failed with ENOENT)', async () => {
    const library = await mkdtemp(path.join(tmpdir(), 'library-'));
    expect(kubectlProgram(library)).toBe('kubectl');
  });
});
