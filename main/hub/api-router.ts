/**
 * Routes token-checked API requests (see server.ts) to handlers registered by route name from the
 * table in common/display-api.ts. Path params, query and body are validated with the route's
 * schemas before the handler runs (a 400 naming the field when they are wrong), and the handler's
 * answer is type-checked against the route's response and declared error statuses.
 */
import { API_ROUTES, type ApiRoutes, type RouteName } from '../../common/display-api';
import { matchPath, validate, type ApiErrorBody, type ErrorStatusOf, type ResponseOf, type RouteDef, type RouteInput } from '../../common/api-route';
import type { ApiHandler, ApiRequest, ApiResult } from './server';

/** A handler's answer for route K: its success status and response type, or one of its declared errors. */
export type RouteReply<K extends RouteName> =
  { status: ApiRoutes[K]['status']; body: ResponseOf<ApiRoutes[K]>; done?: () => void } | { status: ErrorStatusOf<ApiRoutes[K]>; body: ApiErrorBody };

export type RouteHandler<K extends RouteName> = (input: RouteInput<ApiRoutes[K]>, req: ApiRequest) => RouteReply<K> | Promise<RouteReply<K>>;

/** Handlers for some routes of the table, by name (a mapped type, so each handler is checked against its own route). */
export type RouteHandlers = { [K in RouteName]?: RouteHandler<K> };

type AnyHandler = (input: { params: Record<string, string>; query: unknown; body: unknown }, req: ApiRequest) => ApiResult | Promise<ApiResult>;

export class ApiRouter {
  private readonly handlers = new Map<RouteName, AnyHandler>();

  /**
   * Registers handlers by route name: `router.register({ annotate: async ({ body }) => ..., timeline: ... })`.
   * Each handler is typed by its route (input, success status and body, declared errors); a route is registered once.
   */
  register(handlers: RouteHandlers): this {
    for (const [name, handler] of Object.entries(handlers)) {
      if (!Object.hasOwn(API_ROUTES, name)) throw new Error(`api route ${name} is not in the route table (common/display-api.ts)`);
      if (this.handlers.has(name as RouteName)) throw new Error(`api route ${name} is registered twice`);
      if (handler) this.handlers.set(name as RouteName, handler as unknown as AnyHandler);
    }
    return this;
  }

  /** Routes of the table with no handler (e.g. the case API when the hub does not record). */
  unhandled(): RouteName[] {
    return (Object.keys(API_ROUTES) as RouteName[]).filter((n) => !this.handlers.has(n));
  }

  readonly handle: ApiHandler = (req) => {
    let pathMatched = false;
    for (const [name, handler] of this.handlers) {
      const def: RouteDef = API_ROUTES[name];
      const params = matchPath(def.path, req.path);
      if (!params) continue;
      pathMatched = true;
      if (def.method !== req.method) continue;
      if ('error' in params && typeof params.error === 'string') return badRequest(params.error);
      let query: unknown = undefined;
      if (def.query) {
        const q = validate(def.query, Object.fromEntries(req.query), 'query');
        if (!q.ok) return badRequest(q.error);
        query = q.value;
      }
      let body: unknown = undefined;
      if (def.body) {
        const b = validate(def.body, req.body, 'body');
        if (!b.ok) return badRequest(b.error);
        body = b.value;
      }
      return handler({ params: params as Record<string, string>, query, body }, req);
    }
    return pathMatched
      ? { status: 405, body: { error: `${req.method} not allowed on ${req.path}` } }
      : { status: 404, body: { error: `no endpoint ${req.path}` } };
  };
}

/** A 400 answer naming what is wrong with a request. */
export function badRequest(message: string): { status: 400; body: ApiErrorBody } {
  return { status: 400, body: { error: message } };
}
