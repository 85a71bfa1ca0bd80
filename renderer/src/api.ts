/**
 * The display's one client of the hub's API, built from the route table (common/display-api.ts):
 * routes are called by name with typed input and answer their typed response; no path is written
 * here or by callers. The session token goes in the Authorization header (main.tsx takes it from
 * the URL fragment). Failures throw an ApiError with the hub's message.
 */
import { API_ROUTES, type ApiRoutes, type RouteName } from '../../common/display-api';
import { routeUrl, type CallArgs, type CallInput, type ResponseOf, type RouteDef } from '../../common/api-route';
import { getState } from './store';

let token = '';
let origin = '';

/** The session token to send; `hubOrigin` only where the page is not served by the hub (tests). */
export function setApiToken(t: string, hubOrigin = ''): void {
  token = t;
  origin = hubOrigin;
}

/** A refused or failed API call: the hub's message, its status, and the recorder's code when it gave one. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type JsonRoute = { [K in RouteName]: ApiRoutes[K]['response']['kind'] extends 'json' ? K : never }[RouteName];
type BinaryRoute = Exclude<RouteName, JsonRoute>;

type SendInput = { params?: Record<string, string>; query?: Record<string, string | undefined>; body?: unknown };

async function send(name: RouteName, input: SendInput = {}, signal?: AbortSignal): Promise<Response> {
  // A hub of another contract version may read the same request differently: do not send it.
  const mismatch = getState().contractMismatch;
  if (mismatch) throw new ApiError(mismatch, 0);
  const def: RouteDef = API_ROUTES[name];
  const hasBody = def.body !== undefined;
  return fetch(origin + routeUrl(def, input), {
    method: def.method,
    headers: { Authorization: `Bearer ${token}`, ...(hasBody ? { 'Content-Type': 'application/json' } : {}) },
    body: hasBody ? JSON.stringify(input.body ?? {}) : undefined,
    signal,
  });
}

async function failure(res: Response, name: RouteName): Promise<ApiError> {
  const j = (await res.json().catch(() => null)) as { error?: string; code?: string } | null;
  const def = API_ROUTES[name];
  return new ApiError(j?.error ?? `${def.method} ${def.path}: HTTP ${res.status}`, res.status, j?.code);
}

/** Calls a JSON route of the table: `await callApi('annotate', { body: { kind: 'incision', role: 'surgeon' } })`. */
export async function callApi<K extends JsonRoute>(name: K, ...[input]: CallArgs<ApiRoutes[K]>): Promise<ResponseOf<ApiRoutes[K]>> {
  const res = await send(name, input as SendInput);
  if (!res.ok) throw await failure(res, name);
  return (await res.json()) as ResponseOf<ApiRoutes[K]>;
}

/** Opens a binary route (e.g. anatomyVoxels) and answers the response, to be read as a stream. */
export async function openApiStream<K extends BinaryRoute>(name: K, input: CallInput<ApiRoutes[K]>, signal?: AbortSignal): Promise<Response> {
  const res = await send(name, input as SendInput, signal);
  if (!res.ok || !res.body) throw await failure(res, name);
  return res;
}
