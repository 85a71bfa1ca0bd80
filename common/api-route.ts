/**
 * The machinery of the hub's HTTP route table (common/display-api.ts): what one route declares,
 * the types derived from it on both sides (path params, query, body, response, error statuses),
 * building a route's URL, matching a request path against it, and turning a schema failure into
 * one specific message that names the field. Pure TypeScript (zod only): no Node, no DOM.
 */
import { safeParse, type core } from 'zod/mini';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** A JSON response body of type T (the type travels in the table at compile time only). */
export interface JsonResponse<T> {
  readonly kind: 'json';
  readonly type?: T;
}

/** A raw application/octet-stream response. */
export interface BinaryResponse {
  readonly kind: 'binary';
  readonly type?: Uint8Array;
}

export const json = <T>(): JsonResponse<T> => ({ kind: 'json' });
export const binary = (): BinaryResponse => ({ kind: 'binary' });

/** Every error answer is a JSON object with a message (and, from the recorder, a stable code). */
export interface ApiErrorBody {
  error: string;
  /** e.g. REC_NO_CASE, REC_WORKER_FAILED (main/recorder): present on recorder refusals. */
  code?: string;
}

export type ErrorStatus = 400 | 404 | 409 | 413 | 422 | 500 | 502 | 503;

/** One API route: what the hub's router registers a handler for and the display's client calls. */
export interface RouteDef {
  method: HttpMethod;
  /** `:name` segments are path parameters (one whole segment each, URL-encoded). */
  path: `/api/${string}`;
  /** One line for the reference (docs/display-api.md). */
  summary: string;
  /** JSON request body, validated by the router before the handler runs. */
  body?: core.$ZodType;
  /** Query parameters (strings), validated by the router. */
  query?: core.$ZodObject;
  /** The status of a successful answer. */
  status: 200 | 201 | 202;
  response: JsonResponse<unknown> | BinaryResponse;
  /** The route's own error answers, by status: when each happens. The generic ones are in GENERIC_ERRORS. */
  errors: Partial<Record<ErrorStatus, string>>;
}

/** Errors any route can answer, before or around its handler (main/hub/server.ts and the router). */
export const GENERIC_ERRORS: Readonly<Record<number, string>> = {
  400: 'the body is not JSON, or a field is missing or wrong (the message names the field: "role is required (text)")',
  401: 'missing or wrong session token',
  404: 'no route with that path ("no endpoint PATH")',
  405: 'the path exists but not with that method ("METHOD not allowed on PATH")',
  413: 'request body over 1 MiB',
  500: 'the hub failed while answering (the message says why)',
};

// ---------------------------------------------------------------- derived types

type Segments<P extends string> = P extends `${infer Head}/${infer Rest}` ? Head | Segments<Rest> : P;
type ParamName<S> = S extends `:${infer N}` ? N : never;
/** The path parameters of a path pattern: `/api/annotations/:entryId/edit` -> { entryId: string }. */
export type PathParams<P extends string> = { [K in ParamName<Segments<P>>]: string };

type Parsed<S> = S extends core.$ZodType ? core.output<S> : undefined;
type Given<S> = S extends core.$ZodType ? core.input<S> : undefined;

/** What the router hands a handler (validated) for route R. */
export interface RouteInput<R extends RouteDef> {
  params: PathParams<R['path']>;
  query: Parsed<R['query']>;
  body: Parsed<R['body']>;
}

/** The body of a successful answer of route R. */
export type ResponseOf<R extends RouteDef> = R['response'] extends JsonResponse<infer T> ? T : Uint8Array;

/** The statuses a handler of route R may answer with an ApiErrorBody: those its `errors` declare. */
export type ErrorStatusOf<R extends RouteDef> = keyof R['errors'] & ErrorStatus;

type NoKeys = Record<never, never>;
type Part<K extends string, T> = [T] extends [undefined] ? NoKeys : [keyof T] extends [never] ? NoKeys : { [k in K]: T };
/** What a caller supplies for route R: only the parts the route has. */
export type CallInput<R extends RouteDef> = Part<'params', PathParams<R['path']>> & Part<'query', Given<R['query']>> & Part<'body', Given<R['body']>>;
/** `[input]` when route R needs one, `[input?]` when it takes none. */
export type CallArgs<R extends RouteDef> = [keyof CallInput<R>] extends [never] ? [input?: CallInput<R>] : [input: CallInput<R>];

// ---------------------------------------------------------------- paths

/** The URL path (and query) that calls route `def` with `input`. */
export function routeUrl(def: RouteDef, input: { params?: Record<string, string>; query?: Record<string, string | undefined> } = {}): string {
  const path = def.path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const v = input.params?.[name];
    if (v === undefined || v === '') throw new Error(`${def.method} ${def.path}: path parameter ${name} is missing`);
    return encodeURIComponent(v);
  });
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(input.query ?? {})) if (v !== undefined) q.set(k, v);
  const qs = q.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * Matches a request path against a route's pattern. Returns the decoded path parameters, null
 * when the path is another route's, or an error message when a parameter is not valid URL encoding.
 */
export function matchPath(pattern: string, path: string): Record<string, string> | null | { error: string } {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (!want[i].startsWith(':')) {
      if (want[i] !== got[i]) return null;
      continue;
    }
    if (got[i] === '') return null;
    try {
      params[want[i].slice(1)] = decodeURIComponent(got[i]);
    } catch {
      return { error: `${want[i].slice(1)} in the path is not valid URL encoding` };
    }
  }
  return params;
}

// ---------------------------------------------------------------- validation messages

const KIND_WORDS: Record<string, string> = { string: 'text', number: 'a number', array: 'a list', object: 'an object', boolean: 'true or false' };

function fieldName(where: string, path: readonly PropertyKey[]): string {
  if (path.length === 0) return where;
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${String(p)}` : String(p);
  return s;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** One issue of validating `value`, as a sentence that starts with the field: "role is required (text)", "team must have at least 1 item". */
export function issueMessage(where: string, issue: core.$ZodIssue, value: unknown): string {
  const field = fieldName(where, issue.path);
  const unit = (origin: string, n: unknown) => (origin === 'string' ? 'character' : 'item') + (Number(n) === 1 ? '' : 's');
  switch (issue.code) {
    case 'invalid_type': {
      const want = KIND_WORDS[issue.expected] ?? issue.expected;
      return valueAt(value, issue.path) === undefined ? `${field} is required (${want})` : `${field} must be ${want}`;
    }
    case 'too_small':
      return issue.origin === 'string' && Number(issue.minimum) === 1
        ? `${field} must not be empty`
        : `${field} must have at least ${issue.minimum} ${unit(issue.origin, issue.minimum)}`;
    case 'too_big':
      return `${field} must have at most ${issue.maximum} ${unit(issue.origin, issue.maximum)}`;
    case 'invalid_value':
      return `${field} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${field}: ${issue.message}`;
  }
}

/** Validates `value` with `schema`; on failure one message naming every wrong field ("body" / "query" when the whole is wrong). */
export function validate<S extends core.$ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query',
): { ok: true; value: core.output<S> } | { ok: false; error: string } {
  const r = safeParse(schema, value);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, error: r.error.issues.map((i) => issueMessage(where, i, value)).join('; ') };
}
