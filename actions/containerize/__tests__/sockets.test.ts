import { describe, expect, it } from '@jest/globals';
import { decodeAddress, formatListener, isLoopback, parseListeners, uniqueListeners } from '../src/sockets.js';

const TCP_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const TCP6_HEADER =
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const v4 = (sl: number, local: string, remote: string, st: string): string =>
  `   ${sl}: ${local} ${remote} ${st} 00000000:00000000 00:00000000 00000000  1000        0 68901 1 0000000000000000 100 0 0 10 0\n`;

describe('/proc/net/tcp addresses (little-endian host)', () => {
  it.each([
    ['00000000', '0.0.0.0'],
    ['0100007F', '127.0.0.1'],
    ['0101A8C0', '192.168.1.1'],
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000001000000', '::1'],
    ['0000000000000000FFFF00000100007F', '::ffff:127.0.0.1'],
    ['B80D0120000000000000000001000000', '2001:db8::1'],
  ])('%s -> %s', (hex, address) => {
    expect(decodeAddress(hex)).toBe(address);
  });

  it('reads the words in order on a big-endian host', () => {
    expect(decodeAddress('7F000001', false)).toBe('127.0.0.1');
  });
});

describe('listening sockets', () => {
  it.each([
    ['the header only', TCP_HEADER, 'tcp', []],
    [
      'a LISTEN socket on all addresses',
      TCP_HEADER + v4(0, '00000000:1F91', '00000000:0000', '0A'),
      'tcp',
      ['0.0.0.0:8081'],
    ],
    [
      'a loopback listener and an established connection (01) and TIME_WAIT (06)',
      TCP_HEADER +
        v4(0, '0100007F:0BB8', '00000000:0000', '0A') +
        v4(1, '0100007F:0BB8', '0100007F:D431', '01') +
        v4(2, '0100007F:0BB8', '0100007F:D432', '06'),
      'tcp',
      ['127.0.0.1:3000'],
    ],
    [
      'node listen(8081) on the IPv6 wildcard',
      `${TCP6_HEADER}   0: 00000000000000000000000000000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 68901 1 000000007408e970 100 0 0 10 0\n`,
      'tcp6',
      ['[::]:8081'],
    ],
    ['lowercase hex', TCP_HEADER + v4(0, '00000000:1f90', '00000000:0000', '0a'), 'tcp', ['0.0.0.0:8080']],
    ['a malformed line', `${TCP_HEADER}   0: garbage 0A\n   1: 00000000 00000000:0000 0A\n`, 'tcp', []],
    [
      'an IPv6 address in the tcp file',
      `${TCP_HEADER}   0: 00000000000000000000000000000000:1F91 00000000000000000000000000000000:0000 0A x\n`,
      'tcp',
      [],
    ],
  ] as const)('%s', (_what, text, family, expected) => {
    expect(parseListeners(text, family).map(formatListener)).toEqual(expected);
  });

  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.5', false],
  ])('loopback %s: %s', (address, loopback) => {
    expect(isLoopback(address)).toBe(loopback);
  });

  it('lists each listener once, by port', () => {
    const l = (address: string, port: number, family: 'tcp' | 'tcp6' = 'tcp') => ({ family, address, port });
    expect(
      uniqueListeners([l('0.0.0.0', 9090), l('::', 8081, 'tcp6'), l('0.0.0.0', 9090)]).map(formatListener),
    ).toEqual(['[::]:8081', '0.0.0.0:9090']);
  });
});
