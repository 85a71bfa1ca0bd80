/**
 * A deterministic HTTP / WebSocket fuzzer for the display server (issue 12 §1): malformed and
 * hostile request lines, methods, URL encodings (overlong and invalid UTF-8, NUL bytes), header
 * folding, duplicate and huge headers, broken chunked bodies, WebSocket upgrade variants and
 * malformed frames after an upgrade. Each case is raw bytes written to its own TCP connection.
 * Used by e2e/http-fuzz.test.ts and `npm run fuzz`.
 */
import net from 'node:net';
import crypto from 'node:crypto';
import { rng } from '../native-bridge/common/sim/physiology';

/** Every class of hostile input the fuzzer sends (the test checks each is sent in both phases). */
export const FUZZ_CLASSES = [
  'request-line',
  'method',
  'url-encoding',
  'nul',
  'folding',
  'duplicate-headers',
  'huge-headers',
  'chunked',
  'upgrade',
  'ws-frames',
  'api-body',
] as const;
export type FuzzClass = (typeof FUZZ_CLASSES)[number];

export interface FuzzCase {
  cls: FuzzClass;
  /** Bytes sent after connecting. For 'ws-frames', the frames sent after a valid upgrade. */
  bytes: Buffer;
  /** For 'ws-frames': the upgrade request that precedes the frames. */
  upgrade?: Buffer;
}

const PATHS = [
  '/',
  '/index.html',
  '/main.js',
  '/ws',
  '/api/status',
  '/api/case',
  '/api/timeline',
  '/api/anatomy',
  '/api/anatomy/voxels',
  '/api/annotations',
  '/api/annotations/x/history',
  '/api/anatomy/pacs',
  '/api/anatomy/registration',
];
/** POST routes that a fuzzed body may reach: only with bodies that cannot be valid (see apiBody). */
const POSTS = ['/api/annotations', '/api/annotations/abc/edit', '/api/annotations/abc/delete', '/api/case', '/api/anatomy/registration'];
const ENCODINGS = [
  '%',
  '%G1',
  '%C0%AF',
  '%C0%80',
  '%E0%80%AF',
  '%ED%A0%80',
  '%F8%88%80%80%80',
  '%FF%FE',
  '%00',
  '%252e%252e%252f',
  '..%2f..%2f..%2fetc%2fpasswd',
  '%2e%2e/%2e%2e/',
  '\\..\\..\\',
  '%uD800',
  '%%',
  '%2',
  '/%5c..%5c',
  '%C3%28',
  '%E2%82',
  '%F0%9F%98',
];
const METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'TRACE',
  'CONNECT',
  'get',
  'G\u00c9T',
  'GE T',
  '',
  'X'.repeat(200),
  'PRI',
  'MKCOL',
  '\u0000GET',
  'GET\t',
];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'HTTP/1.1 extra', 'HTTP/', 'FTP/1.1', '', 'HTTP/1.1\u0000'];

function pick<T>(r: () => number, a: readonly T[]): T {
  return a[Math.floor(r() * a.length)];
}

function junk(r: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

function req(line: string, headers: string[], body: Buffer | string = ''): Buffer {
  return Buffer.concat([
    Buffer.from(`${line}\r\n${headers.join('\r\n')}${headers.length ? '\r\n' : ''}\r\n`, 'latin1'),
    Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1'),
  ]);
}

function wsKey(r: () => number): string {
  return junk(r, 16).toString('base64');
}

/** A client WebSocket frame (masked unless told otherwise) with an arbitrary header. */
function wsFrame(r: () => number, opcode: number, payload: Buffer, opts: { fin?: boolean; mask?: boolean; rsv?: number; lenOverride?: bigint } = {}): Buffer {
  const fin = opts.fin ?? true;
  const mask = opts.mask ?? true;
  const b0 = (fin ? 0x80 : 0) | ((opts.rsv ?? 0) << 4) | (opcode & 0x0f);
  const len = opts.lenOverride ?? BigInt(payload.length);
  let hdr: Buffer;
  if (len < 126n) hdr = Buffer.from([b0, (mask ? 0x80 : 0) | Number(len)]);
  else if (len < 65536n) {
    hdr = Buffer.alloc(4);
    hdr[0] = b0;
    hdr[1] = (mask ? 0x80 : 0) | 126;
    hdr.writeUInt16BE(Number(len), 2);
  } else {
    hdr = Buffer.alloc(10);
    hdr[0] = b0;
    hdr[1] = (mask ? 0x80 : 0) | 127;
    hdr.writeBigUInt64BE(len, 2);
  }
  if (!mask) return Buffer.concat([hdr, payload]);
  const key = junk(r, 4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return Buffer.concat([hdr, key, body]);
}

/** Bodies no POST route may accept: broken or type-confused JSON. */
function apiBody(r: () => number): string {
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  return pick(r, [
    '{',
    '{"kind":',
    'null',
    '[]',
    '"text"',
    '123',
    '{"kind":{"$gt":""}}',
    '{"__proto__":{"polluted":1}}',
    '{"constructor":{"prototype":{"polluted":1}}}',
    '{"kind":null,"text":1e400}',
    '{"atMs":"yesterday"}',
    '{"team":"not a list"}',
    '{"matrix":[1,2,3]}',
    deep(5000),
    '\u0000\u0001\u0002',
    '\uFEFF{}',
    '{"a":"\uD800"}',
  ]);
}

/** The n-th fuzz case for a seed; `token` is '' for the unauthenticated phase. */
export function fuzzCase(r: () => number, token: string): FuzzCase {
  const auth = token ? [`Authorization: Bearer ${token}`] : [];
  // The token travels in the Authorization header (a query-string token is refused outright).
  const wsq = '';
  const wsAuth = token ? [`Authorization: Bearer ${token}`] : [];
  const path = pick(r, PATHS);
  const cls = pick(r, FUZZ_CLASSES);
  const host = 'Host: 127.0.0.1';
  switch (cls) {
    case 'request-line': {
      const targets = [
        `http://[ `,
        'http://[::1',
        'http://a:b@c:99999/x',
        '//',
        '*',
        '',
        ' ',
        'http://%zz/',
        `http://x${path}`,
        'https://evil.example/',
        '/'.repeat(9000),
        `${path}?${'a=b&'.repeat(2000)}`,
        path + ' ' + path,
      ];
      const line =
        r() < 0.2 ? junk(r, 1 + Math.floor(r() * 64)).toString('latin1') : `${pick(r, ['GET', 'POST', 'HEAD'])} ${pick(r, targets)} ${pick(r, VERSIONS)}`;
      return { cls, bytes: req(line, r() < 0.5 ? [host, ...auth] : []) };
    }
    case 'method':
      return { cls, bytes: req(`${pick(r, METHODS)} ${path} HTTP/1.1`, [host, ...auth, 'Content-Length: 0']) };
    case 'url-encoding': {
      const enc = Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(r, ENCODINGS)).join('');
      const at = Math.floor(r() * 3);
      const target = at === 0 ? `/${enc}` : at === 1 ? `${path}/${enc}` : `${path}?id=${enc}&token=${enc}`;
      return { cls, bytes: req(`GET ${target} HTTP/1.1`, [host, ...auth]) };
    }
    case 'nul': {
      const where = Math.floor(r() * 4);
      if (where === 0) return { cls, bytes: req(`GET ${path}\u0000.png HTTP/1.1`, [host, ...auth]) };
      if (where === 1) return { cls, bytes: req(`GET ${path}%00.png HTTP/1.1`, [host, ...auth]) };
      if (where === 2) return { cls, bytes: req(`GET ${path} HTTP/1.1`, [host, 'X-Na\u0000me: v', ...auth]) };
      return { cls, bytes: req(`GET ${path} HTTP/1.1`, [host, `Authorization: Bearer ${token}\u0000junk`]) };
    }
    case 'folding':
      return { cls, bytes: req(`GET ${path} HTTP/1.1`, [host, 'X-Folded: a', ' b', '\tc', ...auth, ' continuation-of-auth']) };
    case 'duplicate-headers': {
      const dup = pick(r, [
        ['Content-Length: 5', 'Content-Length: 7'],
        ['Host: a', 'Host: b'],
        ['Authorization: Bearer x', `Authorization: Bearer ${token || 'y'}`],
        ['Transfer-Encoding: chunked', 'Content-Length: 3'],
        ['Content-Length: -1'],
        ['Content-Length: 99999999999999999999'],
        ['Transfer-Encoding: gzip, chunked, identity'],
      ]);
      return { cls, bytes: req(`POST ${pick(r, POSTS)} HTTP/1.1`, [host, ...auth, ...dup], 'abcde') };
    }
    case 'huge-headers': {
      const many = r() < 0.5;
      const hs = many
        ? Array.from({ length: 500 + Math.floor(r() * 2000) }, (_, i) => `X-H${i}: ${i}`)
        : [`X-Big: ${'A'.repeat(8000 + Math.floor(r() * 80000))}`];
      return { cls, bytes: req(`GET ${path} HTTP/1.1`, [host, ...auth, ...hs]) };
    }
    case 'chunked': {
      const body = pick(r, [
        'zz\r\nhello\r\n0\r\n\r\n',
        '5\r\nhel',
        'ffffffffffffffff\r\n',
        '-5\r\nhello\r\n',
        '5;ext="\u0000"\r\nhello\r\n0\r\n\r\n',
        '5\r\nhelloXX0\r\n\r\n',
        '0\r\nTrailer\u0000: x\r\n\r\n',
        '3\r\n{"a\r\n',
      ]);
      return { cls, bytes: req(`POST ${pick(r, POSTS)} HTTP/1.1`, [host, ...auth, 'Transfer-Encoding: chunked', 'Content-Type: application/json'], body) };
    }
    case 'upgrade': {
      const v = Math.floor(r() * 8);
      const base = ['Upgrade: websocket', 'Connection: Upgrade', ...wsAuth];
      if (v === 0) return { cls, bytes: req(`GET /ws${wsq} HTTP/1.1`, [host, ...base, 'Sec-WebSocket-Version: 13']) };
      if (v === 1) return { cls, bytes: req(`GET /ws${wsq} HTTP/1.1`, [host, ...base, `Sec-WebSocket-Key: ${wsKey(r)}`, 'Sec-WebSocket-Version: 99']) };
      if (v === 2) return { cls, bytes: req(`GET /ws${wsq} HTTP/1.0`, [...base, 'Sec-WebSocket-Key: !!!', 'Sec-WebSocket-Version: 13']) };
      if (v === 3) return { cls, bytes: req(`POST /ws${wsq} HTTP/1.1`, [host, ...base, `Sec-WebSocket-Key: ${wsKey(r)}`, 'Sec-WebSocket-Version: 13']) };
      if (v === 4) return { cls, bytes: req(`GET /ws?token=%ZZ HTTP/1.1`, [host, ...base, `Sec-WebSocket-Key: ${wsKey(r)}`, 'Sec-WebSocket-Version: 13']) };
      if (v === 5) return { cls, bytes: req(`GET http://[${wsq} HTTP/1.1`, [host, ...base, `Sec-WebSocket-Key: ${wsKey(r)}`]) };
      if (v === 6) return { cls, bytes: req(`GET /api/status${wsq} HTTP/1.1`, [host, ...base, `Sec-WebSocket-Key: ${wsKey(r)}`, 'Sec-WebSocket-Version: 13']) };
      return {
        cls,
        bytes: req(`GET /ws${wsq} HTTP/1.1`, [
          host,
          'Upgrade: h2c, websocket',
          'Connection: keep-alive, Upgrade',
          ...wsAuth,
          `Sec-WebSocket-Key: ${wsKey(r)}`,
          'Sec-WebSocket-Version: 13',
          'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=99',
        ]),
      };
    }
    case 'ws-frames': {
      const upgrade = req(`GET /ws${wsq} HTTP/1.1`, [
        host,
        'Upgrade: websocket',
        'Connection: Upgrade',
        ...wsAuth,
        `Sec-WebSocket-Key: ${wsKey(r)}`,
        'Sec-WebSocket-Version: 13',
      ]);
      const f = Math.floor(r() * 9);
      const frames: Buffer[] = [];
      if (f === 0) frames.push(junk(r, 1 + Math.floor(r() * 200)));
      else if (f === 1) frames.push(wsFrame(r, 1, Buffer.from('{"t":"ping"}'), { mask: false }));
      else if (f === 2) frames.push(wsFrame(r, 1, Buffer.alloc(0), { lenOverride: 2n ** 62n }));
      else if (f === 3) frames.push(wsFrame(r, 3 + Math.floor(r() * 5), junk(r, 10)));
      else if (f === 4) frames.push(wsFrame(r, 9, junk(r, 10), { fin: false }));
      else if (f === 5) frames.push(wsFrame(r, 1, Buffer.from([0xc0, 0xaf, 0xff, 0xfe])));
      else if (f === 6) frames.push(wsFrame(r, 1, Buffer.alloc(70 * 1024, 0x61)));
      else if (f === 7) frames.push(wsFrame(r, 1, Buffer.from(apiBody(r))), wsFrame(r, 1, Buffer.from('{"t":"ping"}')), wsFrame(r, 2, junk(r, 50)));
      else frames.push(wsFrame(r, 1, Buffer.from('{"t":'), { rsv: 3 }), wsFrame(r, 0, junk(r, 8)));
      return { cls, upgrade, bytes: Buffer.concat(frames) };
    }
    case 'api-body': {
      const body = apiBody(r);
      const lie = r() < 0.3;
      const len = lie ? Buffer.byteLength(body) + 1 + Math.floor(r() * 50) : Buffer.byteLength(body);
      return { cls, bytes: req(`POST ${pick(r, POSTS)} HTTP/1.1`, [host, ...auth, 'Content-Type: application/json', `Content-Length: ${len}`], body) };
    }
  }
}

export interface FuzzResult {
  sent: number;
  byClass: Record<string, number>;
  /** First status line digit counts (2xx, 4xx, ...), 'closed' when the server closed without an answer. */
  answers: Record<string, number>;
  /** Connections refused or reset before the case could be sent (the hub is not answering). */
  connectFailures: number;
  ms: number;
}

function sendCase(port: number, c: FuzzCase, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    let settled = false;
    const done = (what: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      resolve(what);
    };
    const s = net.connect(port, '127.0.0.1', () => {
      if (c.upgrade) s.write(c.upgrade);
      else s.write(c.bytes);
    });
    const timer = setTimeout(() => done(out ? status(out) : 'timeout'), timeoutMs);
    const status = (o: string) => {
      const m = /^HTTP\/1\.[01] (\d)/.exec(o);
      return m ? `${m[1]}xx` : 'other';
    };
    let upgraded = false;
    let dataFrames = false;
    let after = 0;
    s.on('data', (d) => {
      out += d.toString('latin1');
      if (upgraded) {
        // Server frames are unmasked: a text or binary frame means the hub sent data to this socket.
        const op = out.charCodeAt(after) & 0x0f;
        if (out.length > after && (op === 1 || op === 2)) dataFrames = true;
        return;
      }
      if (!out.includes('\r\n\r\n')) return;
      if (c.upgrade && out.startsWith('HTTP/1.1 101')) {
        upgraded = true;
        after = out.indexOf('\r\n\r\n') + 4;
        if (out.length > after && [1, 2].includes(out.charCodeAt(after) & 0x0f)) dataFrames = true;
        s.write(c.bytes);
        // After the frames, give the server a moment to answer (a close frame), then go.
        setTimeout(() => done(dataFrames ? '101-data' : '101'), 60);
        return;
      }
      done(status(out));
    });
    s.on('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'refused' : out ? status(out) : 'reset'));
    s.on('close', () => done(out ? status(out) : 'closed'));
  });
}

/** Sends n cases (seeded), `concurrency` connections at a time. */
export async function runHttpFuzz(
  port: number,
  opts: { n: number; token: string; seed: number; concurrency?: number; timeoutMs?: number },
): Promise<FuzzResult> {
  const r = rng(opts.seed);
  const res: FuzzResult = { sent: 0, byClass: {}, answers: {}, connectFailures: 0, ms: 0 };
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < opts.n) {
      next++;
      const c = fuzzCase(r, opts.token);
      res.byClass[c.cls] = (res.byClass[c.cls] ?? 0) + 1;
      const a = await sendCase(port, c, opts.timeoutMs ?? 600);
      res.sent++;
      if (a === 'refused') res.connectFailures++;
      res.answers[a] = (res.answers[a] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 24 }, worker));
  res.ms = performance.now() - t0;
  return res;
}

/** A random-looking token of the right shape (for wrong-token cases). */
export function wrongToken(): string {
  return crypto.randomBytes(24).toString('base64url');
}
