import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiRouter } from './api-router';
import { API_ROUTES } from '../../common/display-api';
import type { ApiResult } from './server';

const call = (r: ApiRouter, method: string, p: string, body?: unknown) => {
  const u = new URL(p, 'http://x');
  return Promise.resolve(r.handle({ method, path: u.pathname, query: u.searchParams, body })) as Promise<ApiResult>;
};

test('handlers get validated, parsed input: decoded path params, query, body', async () => {
  const seen: unknown[] = [];
  const r = new ApiRouter().register({
    annotationEdit: ({ params, body }) => {
      seen.push(params, body);
      return { status: 200, body: { entryId: params.entryId, version: 2, seq: 3, tMs: 4, hash: 'h' } };
    },
    anatomyVoxels: ({ query }) => {
      seen.push(query);
      return { status: 404, body: { error: 'no volume loaded' } };
    },
  });
  const ok = await call(r, 'POST', '/api/annotations/e%201/edit', { role: 'surgeon', patch: { text: 'x', junk: 1 }, extra: true });
  assert.deepEqual(ok, { status: 200, body: { entryId: 'e 1', version: 2, seq: 3, tMs: 4, hash: 'h' } });
  assert.deepEqual(seen.splice(0), [{ entryId: 'e 1' }, { role: 'surgeon', patch: { text: 'x' } }]);
  assert.equal((await call(r, 'GET', '/api/anatomy/voxels?id=v%231')).status, 404);
  assert.deepEqual(seen.splice(0), [{ id: 'v#1' }]);
});

test('a wrong body, query or path parameter is a 400 naming the field; the handler does not run', async () => {
  let ran = 0;
  const r = new ApiRouter().register({
    annotate: () => (ran++, { status: 201, body: { entryId: 'e', version: 1, seq: 1, tMs: 1, hash: 'h' } }),
    pacsSearch: () => (ran++, { status: 200, body: [] }),
    annotationHistory: () => (ran++, { status: 200, body: [] }),
  });
  assert.deepEqual(await call(r, 'POST', '/api/annotations', { kind: 'incision' }), { status: 400, body: { error: 'role is required (text)' } });
  assert.deepEqual(await call(r, 'POST', '/api/annotations', { kind: 'incision', role: 'surgeon', dose: '5' }), {
    status: 400,
    body: { error: 'dose must be a number' },
  });
  assert.deepEqual(await call(r, 'POST', '/api/annotations'), { status: 400, body: { error: 'body is required (an object)' } });
  assert.equal((await call(r, 'GET', '/api/anatomy/pacs?url=ftp://x')).status, 400);
  assert.deepEqual(await call(r, 'GET', '/api/annotations/%E0%A4%A/history'), {
    status: 400,
    body: { error: 'entryId in the path is not valid URL encoding' },
  });
  assert.equal(ran, 0);
});

test('unknown paths are 404, known paths with another method 405 (the messages the hub always gave)', async () => {
  const caseNow = () => ({ status: 200 as const, body: { t: 'case' as const, case: null, presets: [], recording: false } });
  const r = new ApiRouter().register({ case: caseNow });
  assert.deepEqual(await call(r, 'GET', '/api/nothing'), { status: 404, body: { error: 'no endpoint /api/nothing' } });
  assert.deepEqual(await call(r, 'DELETE', '/api/case'), { status: 405, body: { error: 'DELETE not allowed on /api/case' } });
  assert.equal((await call(r, 'GET', '/api/case/')).status, 404);
  assert.equal((await call(r, 'GET', '/api/case')).status, 200);
  assert.deepEqual(r.unhandled().includes('caseStart'), true);
  assert.throws(() => r.register({ case: caseNow }), /registered twice/);
});

test('handlers are type-checked against the table (tsc checks the expect-error lines)', () => {
  const r = new ApiRouter();
  // @ts-expect-error: not a route of the table
  assert.throws(() => r.register({ noSuchRoute: () => ({ status: 200, body: null }) }), /not in the route table/);
  r.register({
    // @ts-expect-error: 418 is not among the statuses caseEnd answers
    caseEnd: () => ({ status: 418, body: { error: 'teapot' } }),
    // @ts-expect-error: the success status of annotate is 201
    annotate: () => ({ status: 200, body: { entryId: 'e', version: 1, seq: 1, tMs: 1, hash: 'h' } }),
    // @ts-expect-error: the body of a 200 from registration is a RegistrationView or null
    registration: () => ({ status: 200, body: { nope: true } }),
    // @ts-expect-error: the status route has no path parameters
    status: ({ params }) => ({ status: 200, body: params.id }),
  });
  assert.equal(r.unhandled().length, Object.keys(API_ROUTES).length - 4, 'the four table routes registered at run time');
});
