/**
 * The display server: serves the renderer bundle over HTTP and the live data over a
 * WebSocket. Listens on 127.0.0.1 unless told otherwise; every WebSocket and API request
 * must carry the session token that the printed display URL holds.
 */
import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { FaultCounter } from './guard';
import { AUTH_TIMEOUT_MS, TOKEN_REPLACED_REASON, WS_CLOSE_TOKEN_REFUSED } from '../../common/display-contract';

/** Sockets upgraded but not yet authenticated, at most (more are refused with 503). */
const MAX_UNAUTHENTICATED = 64;

export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

/**
 * `body` is sent as JSON, or as application/octet-stream when it is a Uint8Array; `done` is
 * called once the response is over (sent, or the client went away), e.g. to release the memory
 * a binary body is a view of.
 */
export type ApiResult = { status: number; body: unknown; done?: () => void };
export type ApiHandler = (req: ApiRequest) => Promise<ApiResult> | ApiResult;

export interface DisplayServerOptions {
  host: string;
  port: number;
  token: string;
  /** Folder with index.html and the renderer bundle. */
  staticDir: string;
  onClient(ws: WebSocket): void;
  api?: ApiHandler;
  log?: (line: string) => void;
  /** Where contained faults are counted (shared with the hub's other entry points). */
  faults?: FaultCounter;
  /** Serve HTTPS/WSS with this certificate (required off loopback, main/hub/tls.ts). */
  tls?: { cert: Buffer; key: Buffer };
}

/** A request refused before it reached a handler, with the status and the reason sent back. */
class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Counts of what the display server answered, for /api/status. */
export interface HttpStats {
  requests: number;
  /** 4xx answers, by the reason class (e.g. 'bad-url', 'token', 'not-found'). */
  refused: Record<string, number>;
  /** Requests Node's HTTP parser refused (malformed request line or headers) before any handler. */
  parseErrors: number;
  /** 5xx answers. */
  failed: number;
  upgradesRefused: number;
}

/**
 * Parses a request target into path and query without throwing: an unparsable target, a
 * malformed %-escape, invalid UTF-8 or a NUL byte are a BadRequest (400), never an exception.
 */
export function parseTarget(raw: string | undefined): { pathname: string; decoded: string; searchParams: URLSearchParams } {
  const target = raw ?? '/';
  let url: URL;
  try {
    // Origin-form ("/a?b") and absolute-form ("http://host/a") are both accepted by URL with a base.
    url = new URL(target, 'http://x');
  } catch {
    throw new BadRequest(400, 'malformed request target');
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.pathname);
  } catch {
    throw new BadRequest(400, 'malformed percent-encoding in the path');
  }
  if (decoded.includes('\0') || decoded.includes('\uFFFD')) throw new BadRequest(400, 'NUL byte or invalid UTF-8 in the path');
  // `pathname` stays encoded: the API router splits it into parameters before decoding them.
  return { pathname: url.pathname, decoded, searchParams: url.searchParams };
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self' ws: wss:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

/** Finds the renderer bundle both from the built hub (dist/hub) and from sources (main/hub). */
export function findStaticDir(): string {
  const candidates = [path.join(__dirname, '../renderer'), path.join(__dirname, '../../dist/renderer')];
  for (const c of candidates) if (fs.existsSync(path.join(c, 'index.html'))) return c;
  throw new Error(`display bundle not found (looked in ${candidates.join(', ')}): run "npm run build"`);
}

export function newToken(): string {
  return crypto.randomBytes(24).toString('base64url');
}

function tokenOk(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer` header. Never from the query string: URLs end up in proxy and server logs. */
function bearer(req: http.IncomingMessage): string | null {
  const h = req.headers.authorization;
  return h && h.startsWith('Bearer ') ? h.slice(7) : null;
}

/** A browser's WebSocket always sends Origin: it must be this server's own (no cross-site socket). */
function originOk(req: http.IncomingMessage, tls: boolean): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true; // not a browser: the token decides
  return origin === `${tls ? 'https' : 'http'}://${req.headers.host ?? ''}`;
}

export class DisplayServer {
  private readonly server: http.Server | https.Server;
  private readonly wss: WebSocketServer;
  port = 0;
  rejected = 0;
  /** Sockets upgraded and waiting for their first (auth) message. */
  private pendingAuth = 0;
  /** Serving HTTPS (the Origin a browser sends is then https://…). */
  private readonly tls: boolean;
  readonly faults: FaultCounter;
  readonly stats: HttpStats = { requests: 0, refused: {}, parseErrors: 0, failed: 0, upgradesRefused: 0 };

  /** The display session token in force (replaced by setToken). */
  private token: string;

  constructor(private readonly opts: DisplayServerOptions) {
    this.token = opts.token;
    this.faults = opts.faults ?? new FaultCounter(opts.log);
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
    // A client that breaks off mid-handshake or sends junk must not surface as an 'error' event nobody handles.
    this.wss.on('error', (e) => this.faults.record('ws-server', e));
    this.tls = !!opts.tls;
    const limits = { maxHeaderSize: 16 * 1024, requestTimeout: 30_000, headersTimeout: 15_000 };
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => this.respond(req, res);
    this.server = opts.tls
      ? https.createServer({ ...limits, cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2' }, onRequest)
      : http.createServer(limits, onRequest);
    // A TLS handshake that fails (a plain-HTTP client, a scanner) is that client's problem, not an error of the hub.
    this.server.on('tlsClientError', () => this.stats.parseErrors++);
    // Node answers a request its parser refuses with 400 and closes; counted here (the listener replaces the default).
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      this.stats.parseErrors++;
      if (socket.writable && err.code !== 'ECONNRESET') {
        const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
        socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      } else socket.destroy();
    });
    this.server.on(
      'upgrade',
      this.faults.guard('http-upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head)),
    );
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const refuse = (status: string) => {
      this.rejected++;
      this.stats.upgradesRefused++;
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    let target: ReturnType<typeof parseTarget>;
    try {
      target = parseTarget(req.url);
    } catch {
      return refuse('400 Bad Request');
    }
    if (target.pathname !== '/ws') return refuse('404 Not Found');
    // A token in the query string is refused outright, so that no client keeps putting it in logs.
    if (target.searchParams.has('token')) return refuse('401 Unauthorized');
    if (!originOk(req, this.tls)) return refuse('403 Forbidden');
    const header = bearer(req);
    if (header !== null && !tokenOk(this.token, header)) return refuse('401 Unauthorized');
    if (header === null && this.pendingAuth >= MAX_UNAUTHENTICATED) return refuse('503 Service Unavailable');
    // ws answers a malformed handshake (bad key, version, method) with 400 itself.
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => ws.terminate());
      const admit = () => this.faults.guard('ws-client', this.opts.onClient)(ws);
      if (header !== null) return admit();
      this.awaitAuth(ws, admit);
    });
  }

  /** Browser clients: the first message must be `{t: 'auth', token}` within AUTH_TIMEOUT_MS; nothing is sent before. */
  private awaitAuth(ws: WebSocket, admit: () => void): void {
    this.pendingAuth++;
    let done = false;
    const finish = (ok: boolean, why: string) => {
      if (done) return;
      done = true;
      this.pendingAuth--;
      clearTimeout(timer);
      ws.off('message', first);
      if (ok) return admit();
      this.rejected++;
      ws.close(WS_CLOSE_TOKEN_REFUSED, why);
    };
    const timer = setTimeout(() => finish(false, 'no session token'), AUTH_TIMEOUT_MS);
    const first = (data: Buffer, isBinary: boolean) => {
      let token: unknown;
      try {
        const m = isBinary || data.length > 1024 ? null : (JSON.parse(data.toString()) as { t?: unknown; token?: unknown });
        token = m && m.t === 'auth' ? m.token : undefined;
      } catch {
        token = undefined;
      }
      finish(typeof token === 'string' && tokenOk(this.token, token), 'session token refused');
    };
    ws.on('message', first);
    ws.on('close', () => finish(false, 'closed'));
  }

  private refuse(res: http.ServerResponse, status: number, why: string, message: string): void {
    this.stats.refused[why] = (this.stats.refused[why] ?? 0) + 1;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', Connection: 'close' });
    res.end(JSON.stringify({ error: message }));
  }

  /** Every request goes through here: whatever a handler throws becomes a counted 4xx/5xx answer. */
  private respond(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.stats.requests++;
    req.on('error', () => res.destroy());
    res.on('error', () => res.destroy());
    const fail = (e: unknown) => {
      if (e instanceof BadRequest) return this.refuse(res, e.status, 'bad-request', e.message);
      this.stats.failed++;
      this.faults.record('http', e);
      if (res.headersSent) res.destroy();
      else {
        res.writeHead(500, { 'Content-Type': 'application/json', Connection: 'close' });
        res.end(JSON.stringify({ error: 'internal error (logged by the hub)' }));
      }
    };
    try {
      this.handle(req, res).catch(fail);
    } catch (e) {
      fail(e);
    }
  }

  get sessionToken(): string {
    return this.token;
  }

  /** Listens on `port` (default the configured one); rejects with the listen error (e.g. EADDRINUSE). */
  async listen(port = this.opts.port): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.opts.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : this.opts.port;
    return this.port;
  }

  /** The URL a display opens: the token travels in the fragment, never in server logs. */
  displayUrl(): string {
    const host = this.opts.host === '0.0.0.0' || this.opts.host === '::' ? '127.0.0.1' : this.opts.host;
    const h = host.includes(':') ? `[${host}]` : host;
    return `${this.tls ? 'https' : 'http'}://${h}:${this.port}/#token=${this.token}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = parseTarget(req.url);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    // With COOP, COEP makes the display cross-origin isolated: no cross-origin resource can be
    // embedded, and its clocks (performance.now, requestAnimationFrame times) tick in 5 µs steps
    // instead of 100 µs (Chromium's coarsening), fine enough to tell a 16.7 ms frame from a late one.
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    if (url.pathname.startsWith('/api/')) return this.handleApi(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.refuse(res, 405, 'method', `${req.method} not allowed`);
    const rel = url.decoded === '/' ? 'index.html' : url.decoded.slice(1);
    const file = path.resolve(this.opts.staticDir, rel);
    if (!file.startsWith(path.resolve(this.opts.staticDir) + path.sep)) return this.refuse(res, 403, 'outside', 'outside the display bundle');
    fs.readFile(file, (err, data) => {
      if (err) {
        this.stats.refused['not-found'] = (this.stats.refused['not-found'] ?? 0) + 1;
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(200, {
        'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'Content-Security-Policy': CSP,
        'Cache-Control': 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : data);
    });
  }

  private async handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: { pathname: string; searchParams: URLSearchParams }): Promise<void> {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (!tokenOk(this.token, bearer(req))) {
      this.rejected++;
      return this.refuse(res, 401, 'token', 'missing or wrong session token');
    }
    if (!this.opts.api) return json(404, { error: 'no such endpoint' });
    let body: unknown = undefined;
    if (req.method === 'POST' || req.method === 'PUT') {
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const c of req) {
          size += (c as Buffer).length;
          if (size > 1024 * 1024) return this.refuse(res, 413, 'too-large', 'request body over 1 MiB');
          chunks.push(c as Buffer);
        }
      } catch {
        // A broken chunked encoding or a client that went away mid-body.
        return this.refuse(res, 400, 'bad-body', 'request body broken off or malformed');
      }
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      } catch {
        return this.refuse(res, 400, 'bad-body', 'request body is not JSON');
      }
    }
    try {
      const r = await this.opts.api({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body });
      if (r.done) res.once('close', r.done);
      if (r.body instanceof Uint8Array) {
        // Binary answers (e.g. volume voxels) go out as they are.
        res.writeHead(r.status, { 'Content-Type': 'application/octet-stream', 'Content-Length': r.body.byteLength, 'Cache-Control': 'no-store' });
        res.end(r.body);
        return;
      }
      json(r.status, r.body);
    } catch (e) {
      this.opts.log?.(`api: ${url.pathname}: ${(e as Error).message}`);
      this.stats.failed++;
      this.faults.record('api', e);
      if (res.headersSent) res.destroy();
      else json(500, { error: (e as Error).message });
    }
  }

  /**
   * Replaces the session token (`or-hub display-token rotate`): every display open with the old
   * one is closed with WS_CLOSE_TOKEN_REFUSED and the reason "session token replaced".
   */
  setToken(token: string): number {
    this.token = token;
    let n = 0;
    for (const c of this.wss.clients) {
      c.close(WS_CLOSE_TOKEN_REFUSED, TOKEN_REPLACED_REASON);
      n++;
    }
    return n;
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
