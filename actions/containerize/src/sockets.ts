/**
 * The kernel's table of TCP sockets (/proc/<pid>/net/tcp and tcp6): which
 * ports a process's network namespace listens on. Pure: the caller reads the
 * files. Each line after the header is
 *   sl local_address rem_address st ...
 * with the address as hex (IPv4: one 32-bit word; IPv6: four) in the host's
 * byte order, the port as 4 hex digits, and st 0A for LISTEN.
 */

export type Family = 'tcp' | 'tcp6';

export interface Listener {
  family: Family;
  /** Printable address: 0.0.0.0, 127.0.0.1, ::, ::1, ::ffff:127.0.0.1. */
  address: string;
  port: number;
}

const LISTEN = '0A';
const LINE = /^\s*\d+:\s+([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})\s+\S+\s+([0-9A-Fa-f]{2})\b/;

/** The 4 bytes of one 32-bit word written in hex by the kernel (host order), in memory (network) order. */
function wordBytes(hex: string, littleEndian: boolean): number[] {
  const bytes = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return littleEndian ? bytes.reverse() : bytes;
}

function ipv6(bytes: number[]): string {
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
    return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = [0, 2, 4, 6, 8, 10, 12, 14].map((i) => (((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  // The longest run of zero groups (two or more) becomes "::", as RFC 5952 writes it.
  let best = { at: -1, length: 0 };
  for (let i = 0; i < groups.length;) {
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.length < 2) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`;
}

export function decodeAddress(hex: string, littleEndian = true): string {
  if (hex.length === 8) return wordBytes(hex, littleEndian).join('.');
  const bytes = [0, 8, 16, 24].flatMap((i) => wordBytes(hex.slice(i, i + 8), littleEndian));
  return ipv6(bytes);
}

/** The listening sockets in one /proc/net/tcp{,6} text; other states, the header and malformed lines are left out. */
export function parseListeners(text: string, family: Family, littleEndian = true): Listener[] {
  const found: Listener[] = [];
  for (const line of text.split('\n')) {
    const match = LINE.exec(line);
    if (!match || (match[3] as string).toUpperCase() !== LISTEN) continue;
    const hex = match[1] as string;
    if ((family === 'tcp') !== (hex.length === 8)) continue;
    found.push({ family, address: decodeAddress(hex, littleEndian), port: parseInt(match[2] as string, 16) });
  }
  return found;
}

/** Only the container itself can reach it: 127.0.0.0/8, ::1, or IPv4-mapped loopback. */
export function isLoopback(address: string): boolean {
  return address === '::1' || /^(::ffff:)?127\./.test(address);
}

export function formatListener(l: Listener): string {
  return l.family === 'tcp6' ? `[${l.address}]:${l.port}` : `${l.address}:${l.port}`;
}

/** The distinct listeners, by port then address (a service bound on both 0.0.0.0 and :: is listed twice, once each). */
export function uniqueListeners(listeners: readonly Listener[]): Listener[] {
  const seen = new Map<string, Listener>();
  for (const l of listeners) seen.set(formatListener(l), l);
  return [...seen.values()].sort((a, b) => a.port - b.port || formatListener(a).localeCompare(formatListener(b)));
}
