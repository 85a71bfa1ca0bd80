/**
 * The display server: serves the renderer bundle over HTTP and the live data over a
 * WebSocket. Listens on 127.0.0.1 unless told otherwise; every WebSocket and API request
 * must carry the session token that the printed display URL holds.
 */
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';

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

function bearer(req: http.IncomingMessage, url: URL): string | null {
  const h = req.headers.authorization;
  if (h && h.startsWith('Bearer ')) return h.slice(7);
  return url.searchParams.get('token');
}

export class DisplayServer {
  private readonly server: http.Server;
  private readonly wss: WebSocketServer;
  port = 0;
  rejected = 0;

  constructor(private readonly opts: DisplayServerOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/ws' || !tokenOk(this.opts.token, url.searchParams.get('token'))) {
        this.rejected++;
        socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.opts.onClient(ws));
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : this.opts.port;
    return this.port;
  }

  /** The URL a display opens: the token travels in the fragment, never in server logs. */
  displayUrl(): string {
    const host = this.opts.host === '0.0.0.0' || this.opts.host === '::' ? '127.0.0.1' : this.opts.host;
    const h = host.includes(':') ? `[${host}]` : host;
    return `http://${h}:${this.port}/#token=${this.opts.token}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    // With COOP, COEP makes the display cross-origin isolated: no cross-origin resource can be
    // embedded, and its clocks (performance.now, requestAnimationFrame times) tick in 5 µs steps
    // instead of 100 µs (Chromium's coarsening), fine enough to tell a 16.7 ms frame from a late one.
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    if (url.pathname.startsWith('/api/')) return this.handleApi(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = path.resolve(this.opts.staticDir, rel);
    if (!file.startsWith(path.resolve(this.opts.staticDir) + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    fs.readFile(file, (err, data) => {
      if (err) {
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

  private async handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (!tokenOk(this.opts.token, bearer(req, url))) {
      this.rejected++;
      return json(401, { error: 'missing or wrong session token' });
    }
    if (!this.opts.api) return json(404, { error: 'no such endpoint' });
    let body: unknown = undefined;
    if (req.method === 'POST' || req.method === 'PUT') {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of req) {
        size += (c as Buffer).length;
        if (size > 1024 * 1024) return json(413, { error: 'request body over 1 MiB' });
        chunks.push(c as Buffer);
      }
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      } catch {
        return json(400, { error: 'request body is not JSON' });
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
      json(500, { error: (e as Error).message });
    }
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
