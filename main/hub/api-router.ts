/** Routes token-checked API requests (see server.ts) to handlers by method and path pattern. */
import type { ApiHandler, ApiRequest, ApiResult } from './server';

type Route = { method: string; pattern: RegExp; handler: (req: ApiRequest, params: string[]) => Promise<ApiResult> | ApiResult };

export class ApiRouter {
  private readonly routes: Route[] = [];

  /** `pattern` is matched against the whole path; its capture groups are passed as params. */
  add(method: string, pattern: RegExp, handler: Route['handler']): this {
    this.routes.push({ method, pattern, handler });
    return this;
  }

  readonly handle: ApiHandler = (req) => {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.pattern.exec(req.path);
      if (!m || m[0] !== req.path) continue;
      pathMatched = true;
      if (r.method === req.method) return r.handler(req, m.slice(1).map(decodeURIComponent));
    }
    return pathMatched ? { status: 405, body: { error: `${req.method} not allowed on ${req.path}` } } : { status: 404, body: { error: `no endpoint ${req.path}` } };
  };
}

/** A 400 answer naming what is wrong with a request. */
export function badRequest(message: string): ApiResult {
  return { status: 400, body: { error: message } };
}
