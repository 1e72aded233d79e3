/**
 * docker/setup-qemu-action@v4.2.0 for a local run: instead of running the
 * privileged tonistiigi/binfmt image, check the kernel's binfmt_misc
 * handlers the project registered (npm run containers:up). A handler counts
 * only when enabled and registered with the F (fix-binary) flag, which lets
 * the builder's containers use the interpreter without it in their rootfs.
 * The `platforms` output lists the host platform and the emulated ones in
 * BuildKit's order, as binfmt's `supported` list does.
 */
import path from 'node:path';
import { getInput, getList } from './inputs.js';
import { parsePlatform } from './platforms.js';
import { InputError, failure } from './types.js';
import type { EmulationContext, EmulationIO, EmulationOutcome, StepInputs } from './types.js';

export const QEMU_DEFAULTS: Record<string, string> = {
  image: 'docker.io/tonistiigi/binfmt:latest',
  platforms: 'all',
  reset: 'false',
  'cache-image': 'true',
};

/** binfmt's architecture → handler name table, in BuildKit's SupportedPlatforms order. */
export const HANDLERS: [arch: string, handler: string][] = [
  ['amd64', 'qemu-x86_64'],
  ['arm64', 'qemu-aarch64'],
  ['riscv64', 'qemu-riscv64'],
  ['ppc64le', 'qemu-ppc64le'],
  ['s390x', 'qemu-s390x'],
  ['386', 'qemu-i386'],
  ['mips64le', 'qemu-mips64el'],
  ['mips64', 'qemu-mips64'],
  ['loong64', 'qemu-loongarch64'],
  ['arm', 'qemu-arm'],
];

export interface BinfmtEntry {
  enabled: boolean;
  interpreter: string;
  flags: string;
}

/** One /proc/sys/fs/binfmt_misc/<name> file. */
export function parseBinfmtEntry(text: string): BinfmtEntry {
  const lines = text.split('\n').map((l) => l.trim());
  return {
    enabled: lines[0] === 'enabled',
    interpreter: lines.find((l) => l.startsWith('interpreter '))?.slice('interpreter '.length) ?? '',
    flags:
      lines
        .find((l) => l.startsWith('flags:'))
        ?.slice('flags:'.length)
        .trim() ?? '',
  };
}

/** binfmt's parseArch: comma list of archs or platforms; 'all' means every handler it knows. */
export function requestedArchs(platforms: string, hostArch: string): string[] {
  if (platforms === 'all') return HANDLERS.map(([arch]) => arch).filter((arch) => arch !== hostArch);
  return platforms.split(',').map((p) => {
    try {
      return parsePlatform(p.includes('/') ? p : `linux/${p}`).arch;
    } catch {
      return p;
    }
  });
}

export type HandlerState =
  { arch: string; handler: string; ok: true } | { arch: string; handler: string; ok: false; why: string };

export function handlerState(arch: string, text: string | undefined): HandlerState {
  const handler = HANDLERS.find(([a]) => a === arch)?.[1];
  if (handler === undefined)
    return {
      arch,
      handler: '',
      ok: false,
      why: `unsupported architecture: ${arch} (known: ${HANDLERS.map(([a]) => a).join(', ')})`,
    };
  if (text === undefined) return { arch, handler, ok: false, why: `${handler} is not registered` };
  const entry = parseBinfmtEntry(text);
  if (!entry.enabled) return { arch, handler, ok: false, why: `${handler} is registered but disabled` };
  if (!entry.flags.includes('F')) {
    return {
      arch,
      handler,
      ok: false,
      why: `${handler} lacks the F (fix-binary) flag (flags: ${entry.flags || 'none'}), so containers cannot find ${entry.interpreter}`,
    };
  }
  return { arch, handler, ok: true };
}

/** The output list: host first, then emulated architectures in BuildKit's order (arm as v7 and v6). */
export function supportedPlatforms(hostArch: string, emulated: readonly string[]): string[] {
  const out = [`linux/${hostArch}`];
  for (const [arch] of HANDLERS) {
    if (arch === hostArch || !emulated.includes(arch)) continue;
    if (arch === 'arm') out.push('linux/arm/v7', 'linux/arm/v6');
    else out.push(`linux/${arch}`);
  }
  return out;
}

/** The emulation: checks (never installs or resets) the kernel's handlers. */
export async function setupQemuAction(
  raw: StepInputs,
  context: EmulationContext,
  io: EmulationIO,
): Promise<EmulationOutcome> {
  const inputs = { ...QEMU_DEFAULTS, ...raw };
  const hostArch = context.docker?.hostArch ?? 'amd64';
  const dir = context.docker?.binfmtDir ?? '/proc/sys/fs/binfmt_misc';
  let platforms: string;
  try {
    platforms = getList(inputs, 'platforms').join(',') || 'all';
  } catch (error) {
    if (error instanceof InputError) return failure(`docker/setup-qemu-action: ${error.message}`);
    throw error;
  }
  const status = (await io.readFile(path.join(dir, 'status')))?.trim();
  if (status === undefined)
    return failure(
      `binfmt_misc is not mounted at ${dir}: no QEMU handlers (npm run containers:up mounts it and registers qemu-aarch64)`,
    );
  if (status !== 'enabled') return failure(`binfmt_misc at ${dir} is ${status}: no QEMU handler runs`);
  const states = await Promise.all(
    requestedArchs(platforms, hostArch).map(async (arch) => {
      const handler = HANDLERS.find(([a]) => a === arch)?.[1];
      return handlerState(arch, handler ? await io.readFile(path.join(dir, handler)) : undefined);
    }),
  );
  const ok = states.filter((s) => s.ok).map((s) => s.arch);
  const bad = states.filter((s): s is Extract<HandlerState, { ok: false }> => !s.ok);
  const outputs = { platforms: supportedPlatforms(hostArch, ok).join(',') };
  const notes = [
    `emulated: checked the kernel's binfmt_misc handlers in ${dir} instead of running ${getInput(inputs, 'image')}`,
  ];
  if (getInput(inputs, 'reset') === 'true')
    notes.push('reset: true ignored: the local run never uninstalls the host handlers');
  if (platforms !== 'all' && bad.length > 0) return failure(bad.map((b) => b.why).join('; '), { outputs, notes });
  if (ok.length === 0)
    return failure(`no usable QEMU handler in ${dir}: ${bad.map((b) => b.why).join('; ')}`, { outputs, notes });
  if (bad.length > 0) notes.push(`not emulated here: ${bad.map((b) => b.arch).join(', ')}`);
  return { status: 'success', outputs, notes };
}
