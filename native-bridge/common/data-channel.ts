/**
 * The bus's data channel (docs/device-protocol.md §2.3). Pure: no Node, no DOM.
 *
 * Besides its control socket (DEALER → the hub's ROUTER), a device may send its data frames
 * over a second socket (PUSH → the hub's PULL). A PULL message is one part, where a ROUTER
 * message is two (routing id, body): the hub drains single-part messages markedly faster.
 * A PULL socket does not say which connection a message came from, so every data message
 * starts with the 16-byte session token the hub gave the device in its HELLO_ACK:
 *
 *   offset 0   u32   slot   the hub's index of the device (little endian)
 *   offset 4   u8×12 key    random, new for each device session
 *   offset 16  frame        one frame exactly as on the control socket (§3)
 */

/** Bytes before the frame in a data-channel message. */
export const DATA_ENVELOPE_BYTES = 16;

/** What the hub offers in HELLO_ACK (`"data"` member). */
export interface DataOffer {
  /** Session token, 32 lowercase hex digits (16 bytes). */
  session: string;
  /** TCP port of the data socket on the hub's host (tcp endpoints). */
  port?: number;
  /** Full endpoint of the data socket (ipc:// and inproc:// endpoints). */
  endpoint?: string;
  /** Version of the acknowledged switch (§2.4) the hub speaks: 1; absent (0) on hubs without it. */
  switch?: number;
}

/** The acknowledged switch's version (§2.4). */
export const DATA_SWITCH_VERSION = 1;

/** The DATA_SWITCH_ACK's JSON (§2.4): the DATA_SWITCH's seq echoed, and the last sequence number the hub has of each stream. */
export interface DataSwitchAck {
  switchSeq: number;
  streams: { type: number; stream: number; lastSeq: number }[];
}

const HEX32 = /^[0-9a-f]{32}$/;

/** The `"data"` member of a HELLO_ACK's JSON, or null when absent or malformed. */
export function parseDataOffer(ackJson: string): DataOffer | null {
  let v: unknown;
  try {
    v = JSON.parse(ackJson);
  } catch {
    return null;
  }
  const d = (v as { data?: unknown } | null)?.data as Partial<DataOffer> | undefined;
  if (!d || typeof d !== 'object' || typeof d.session !== 'string' || !HEX32.test(d.session)) return null;
  const port = typeof d.port === 'number' && Number.isInteger(d.port) && d.port > 0 && d.port < 65536 ? d.port : undefined;
  const endpoint = typeof d.endpoint === 'string' && /^(tcp|ipc|inproc):\/\/\S+$/.test(d.endpoint) ? d.endpoint : undefined;
  if (port === undefined && endpoint === undefined) return null;
  const sw = typeof d.switch === 'number' && Number.isInteger(d.switch) && d.switch > 0 ? d.switch : undefined;
  return { session: d.session, port, endpoint, ...(sw ? { switch: sw } : {}) };
}

/** Host (IPv6 kept in brackets) and port (digits or `*`) of a `tcp://HOST:PORT` endpoint, else null. */
export function parseTcpEndpoint(ep: string): { host: string; port: string } | null {
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+|\*)$/.exec(ep);
  return m ? { host: m[1], port: m[2] } : null;
}

/**
 * Where a device connects its data socket: the offered endpoint, or for TCP the host of its own
 * control endpoint with the offered port. Null when the offer does not fit the control endpoint.
 */
export function dataEndpointFor(controlEndpoint: string, offer: DataOffer): string | null {
  if (offer.endpoint) return offer.endpoint;
  const tcp = parseTcpEndpoint(controlEndpoint);
  if (!tcp || offer.port === undefined) return null;
  return `tcp://${tcp.host}:${offer.port}`;
}

/**
 * The hub's default data endpoint for a control endpoint: TCP port + 1 (a wildcard or 0 stays
 * so), `ipc://PATH.data`, `inproc://NAME.data`.
 */
export function defaultDataEndpoint(controlEndpoint: string): string | null {
  const tcp = parseTcpEndpoint(controlEndpoint);
  if (tcp) {
    if (tcp.port === '*' || tcp.port === '0') return `tcp://${tcp.host}:${tcp.port}`;
    const p = Number(tcp.port) + 1;
    return p < 65536 ? `tcp://${tcp.host}:${p}` : null;
  }
  if (/^(ipc|inproc):\/\/\S+$/.test(controlEndpoint)) return `${controlEndpoint}.data`;
  return null;
}

export function tokenToHex(token: Uint8Array): string {
  let s = '';
  for (let i = 0; i < token.length; i++) s += token[i].toString(16).padStart(2, '0');
  return s;
}

export function hexToToken(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The slot a data message names (its first four bytes, little endian). Caller checks the length. */
export function envelopeSlot(msg: Uint8Array): number {
  return (msg[0] | (msg[1] << 8) | (msg[2] << 16) | (msg[3] << 24)) >>> 0;
}

/** True when the message's first 16 bytes equal `token`. */
export function envelopeMatches(msg: Uint8Array, token: Uint8Array): boolean {
  for (let i = 0; i < DATA_ENVELOPE_BYTES; i++) if (msg[i] !== token[i]) return false;
  return true;
}

/** One data-channel message: the session token, then the frame. */
export function sealData(token: Uint8Array, frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(DATA_ENVELOPE_BYTES + frame.length);
  out.set(token.subarray(0, DATA_ENVELOPE_BYTES));
  out.set(frame, DATA_ENVELOPE_BYTES);
  return out;
}
