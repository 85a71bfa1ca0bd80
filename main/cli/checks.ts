/** Value checks for string flags (OptionSpec `check`): each returns the problem, or null when the value is fine. */

export function checkEndpoint(v: string): string | null {
  if (/^tcp:\/\/(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+|\*):(\d{1,5}|\*)$/.test(v)) {
    const port = v.slice(v.lastIndexOf(':') + 1);
    if (port !== '*' && Number(port) > 65535) return `port ${port} is out of range`;
    return null;
  }
  if (/^ipc:\/\/.+/.test(v)) return null;
  return `"${v}" is not a ZeroMQ endpoint like tcp://127.0.0.1:7400 or ipc:///tmp/or-hub.bus`;
}

export function checkHost(v: string): string | null {
  return /^[A-Za-z0-9.:-]+$/.test(v) ? null : `"${v}" is not a host name or address`;
}

/** A decimal number in [min, max], written plainly (no exponent, no sign). */
export function checkNumber(min: number, max: number) {
  return (v: string): string | null => {
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v) || !Number.isFinite(n) || n < min || n > max) return `must be a number between ${min} and ${max}, got "${v}"`;
    return null;
  };
}

/** One of a fixed set of words. */
export function checkOneOf(words: readonly string[]) {
  return (v: string): string | null => (words.includes(v) ? null : `must be ${words.slice(0, -1).join(', ')}${words.length > 1 ? ' or ' : ''}${words.at(-1)}`);
}

/** HOST:PORT (port 1-65535; an IPv6 host in brackets). */
export function checkHostPort(v: string): string | null {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(v);
  if (!m) return `"${v}" is not HOST:PORT (e.g. aims.hospital.local:2575)`;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? null : `port ${port} is out of range`;
}

/** Splits a value checked by checkHostPort. */
export function parseHostPort(v: string): { host: string; port: number } {
  const i = v.lastIndexOf(':');
  return { host: v.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(v.slice(i + 1)) };
}

/** A bus device id as descriptors take it (native-bridge/common/descriptor.ts). */
export function checkDeviceId(v: string): string | null {
  return /^[A-Za-z0-9._:-]{1,64}$/.test(v) ? null : 'must be 1-64 of [A-Za-z0-9._:-]';
}
