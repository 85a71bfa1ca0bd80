/** The display's API client against the hub's real router and HTTP server (the two sides of the route table). */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiError, callApi, openApiStream, setApiToken } from './api';
import { applyHubMessage } from './store';
import { ApiRouter } from '../../main/hub/api-router';
import { DisplayServer } from '../../main/hub/server';
import { CONTRACT_VERSION } from '../../common/display-contract';

const seen: unknown[] = [];
/** The ApiError a call fails with (the test fails if it succeeds). */
const failure = (p: Promise<unknown>): Promise<ApiError> =>
  p.then(
    () => assert.fail('the call should have failed'),
    (e: unknown) => {
      assert.ok(e instanceof ApiError, String(e));
      return e;
    },
  );
const router = new ApiRouter().register({
  annotate: ({ body }) => {
    seen.push(body);
    return body.kind === 'refused'
      ? { status: 409, body: { error: 'no case is open', code: 'REC_NO_CASE' } }
      : { status: 201, body: { entryId: 'e1', version: 1, seq: 4, tMs: 123, hash: 'h' } };
  },
  annotationHistory: ({ params }) => {
    seen.push(params);
    return { status: 200, body: [] };
  },
  anatomyVoxels: ({ query }) => {
    seen.push(query);
    return { status: 200, body: new Uint8Array([1, 2, 3, 250]) };
  },
  // A route without a body schema (anatomyDemo was one until it took a confirmation, issue 12 §4).
  registrationClear: (_input, req) => {
    seen.push([req.method, req.body]);
    return { status: 200, body: null };
  },
});
const staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orhub-static-'));
fs.writeFileSync(path.join(staticDir, 'index.html'), '');
const server = new DisplayServer({ host: '127.0.0.1', port: 0, token: 'tok', staticDir, onClient: () => {}, api: router.handle });
const ready = server.listen();
after(() => server.close());

test('routes are called by name: method, path, params, query and JSON body from the table, token in the header', async () => {
  const port = await ready;
  setApiToken('tok', `http://127.0.0.1:${port}`);
  seen.length = 0;
  assert.deepEqual(await callApi('annotate', { body: { kind: 'incision', role: 'surgeon', agoMs: 60000 } }), {
    entryId: 'e1',
    version: 1,
    seq: 4,
    tMs: 123,
    hash: 'h',
  });
  assert.deepEqual(await callApi('annotationHistory', { params: { entryId: 'a/b c' } }), []);
  assert.equal(await callApi('registrationClear'), null);
  const res = await openApiStream('anatomyVoxels', { query: { id: 'v#1' } });
  assert.deepEqual([...new Uint8Array(await res.arrayBuffer())], [1, 2, 3, 250]);
  assert.deepEqual(seen, [{ kind: 'incision', role: 'surgeon', agoMs: 60000 }, { entryId: 'a/b c' }, ['DELETE', undefined], { id: 'v#1' }]);
});

test("failures throw an ApiError with the hub's message, status and code", async () => {
  const port = await ready;
  setApiToken('tok', `http://127.0.0.1:${port}`);
  const refused = await failure(callApi('annotate', { body: { kind: 'refused', role: 'surgeon' } }));
  assert.deepEqual([refused.message, refused.status, refused.code], ['no case is open', 409, 'REC_NO_CASE']);
  // A body the types allow but the schema refuses (an empty role) is a 400 naming the field.
  const bad = await failure(callApi('annotate', { body: { kind: 'incision', role: '' } }));
  assert.deepEqual([bad.message, bad.status], ['role must not be empty', 400]);
  const unrouted = await failure(callApi('status'));
  assert.deepEqual([unrouted.message, unrouted.status], ['no endpoint /api/status', 404]);
  setApiToken('wrong', `http://127.0.0.1:${port}`);
  const denied = await failure(callApi('annotationHistory', { params: { entryId: 'x' } }));
  assert.deepEqual([denied.message, denied.status], ['missing or wrong session token', 401]);
});

test('nothing is sent to a hub of another contract version', async () => {
  const port = await ready;
  setApiToken('tok', `http://127.0.0.1:${port}`);
  seen.length = 0;
  applyHubMessage({ t: 'hello', version: CONTRACT_VERSION + 1, hubTimeMs: 0, hubId: 'other', simulated: false });
  const e = await failure(callApi('annotate', { body: { kind: 'incision', role: 'surgeon' } }));
  assert.equal(e.message, `display v${CONTRACT_VERSION}, hub v${CONTRACT_VERSION + 1}: reload or update`);
  assert.deepEqual(seen, [], 'the request never reached the hub');
  applyHubMessage({ t: 'hello', version: CONTRACT_VERSION, hubTimeMs: 0, hubId: 'same', simulated: false });
  assert.equal((await callApi('annotate', { body: { kind: 'incision', role: 'surgeon' } })).entryId, 'e1');
});
