/**
 * Platform strings as buildx reads them (containerd's platforms.Parse:
 * os[/arch[/variant]], arch aliases such as x86_64 and aarch64), plus a
 * stricter check the local run adds: the OS and architecture must be ones
 * Go knows, so `linux/amd46` fails at once, naming the platform, instead of
 * deep inside the build.
 */
import { InputError } from './types.js';

export interface Platform {
  os: string;
  arch: string;
  variant?: string;
}

const KNOWN_OS = [
  'aix',
  'android',
  'darwin',
  'dragonfly',
  'freebsd',
  'hurd',
  'illumos',
  'ios',
  'js',
  'linux',
  'nacl',
  'netbsd',
  'openbsd',
  'plan9',
  'solaris',
  'windows',
  'zos',
];
const KNOWN_ARCH = [
  '386',
  'amd64',
  'amd64p32',
  'arm',
  'armbe',
  'arm64',
  'arm64be',
  'ppc64',
  'ppc64le',
  'loong64',
  'mips',
  'mipsle',
  'mips64',
  'mips64le',
  'mips64p32',
  'mips64p32le',
  'ppc',
  'riscv',
  'riscv64',
  's390',
  's390x',
  'sparc',
  'sparc64',
  'wasm',
];
const COMPONENT = /^[A-Za-z0-9_-]+$/;
const ACCEPTED = 'accepted form os/arch[/variant], e.g. linux/amd64, linux/arm64, linux/arm/v7';

function normalizeArch(arch: string, variant: string): [string, string] {
  const a = arch.toLowerCase();
  const v = variant.toLowerCase();
  if (a === 'i386') return ['386', ''];
  if (a === 'x86_64' || a === 'x86-64' || a === 'amd64') return ['amd64', v === 'v1' ? '' : v];
  if (a === 'aarch64' || a === 'arm64')
    return ['arm64', ['8', 'v8', 'v8.0'].includes(v) ? '' : ['9', '9.0', 'v9.0'].includes(v) ? 'v9' : v];
  if (a === 'armhf') return ['arm', 'v7'];
  if (a === 'armel') return ['arm', 'v6'];
  if (a === 'arm') return ['arm', v === '' || v === '7' ? 'v7' : ['5', '6', '8'].includes(v) ? `v${v}` : v];
  return [a, v];
}

/** One platform; the error names it and the accepted form. A lone OS or architecture gets the host's other half, as in containerd. */
export function parsePlatform(specifier: string, hostArch = 'amd64'): Platform {
  const fail = (why: string): never => {
    throw new InputError(`invalid platform ${JSON.stringify(specifier)}: ${why}; ${ACCEPTED}`);
  };
  if (specifier.includes('*')) fail('wildcards are not supported');
  const parts = specifier.split('/');
  if (parts.length === 1 && COMPONENT.test(specifier)) {
    if (KNOWN_OS.includes(specifier.toLowerCase())) return parsePlatform(`${specifier}/${hostArch}`);
    const [arch, variant] = normalizeArch(specifier, '');
    if (KNOWN_ARCH.includes(arch))
      return parsePlatform(`linux/${arch}${variant && !(arch === 'arm' && variant === 'v7') ? `/${variant}` : ''}`);
    fail('unknown operating system or architecture');
  }
  if (parts.length !== 2 && parts.length !== 3) fail(parts.length > 3 ? 'too many components' : 'empty platform');
  const [osPart, archPart, variantPart = ''] = parts as [string, string, string?];
  if (parts.some((p) => !COMPONENT.test(p))) fail('each component must be letters, digits, - or _');
  const os = osPart.toLowerCase() === 'macos' ? 'darwin' : osPart.toLowerCase();
  if (!KNOWN_OS.includes(os)) fail(`unknown operating system ${JSON.stringify(osPart)}`);
  const [arch, variant] = normalizeArch(archPart, variantPart);
  if (!KNOWN_ARCH.includes(arch)) fail(`unknown architecture ${JSON.stringify(archPart)}`);
  const platform: Platform = { os, arch };
  const v = arch === 'arm' && variant === 'v7' && parts.length === 2 ? '' : variant;
  if (v !== '') platform.variant = v;
  return platform;
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.arch}${p.variant ? `/${p.variant}` : ''}`;
}

/** Every platform of the input; the first bad one is the error. */
export function parsePlatforms(specifiers: readonly string[], hostArch = 'amd64'): Platform[] {
  return specifiers.map((s) => parsePlatform(s, hostArch));
}
