import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { core } from 'zod/mini';
import { matchPath, routeUrl, validate } from './api-route';
import { API_ROUTES, annotationBody, caseStartBody, registrationBody } from './display-api';

test('routeUrl fills path parameters (encoded) and the query; a missing parameter is an error', () => {
  assert.equal(routeUrl(API_ROUTES.annotationEdit, { params: { entryId: 'a/b c' } }), '/api/annotations/a%2Fb%20c/edit');
  assert.equal(routeUrl(API_ROUTES.anatomyVoxels, { query: { id: '1.2.3#4' } }), '/api/anatomy/voxels?id=1.2.3%234');
  assert.equal(routeUrl(API_ROUTES.anatomyVoxels, { query: { id: undefined } }), '/api/anatomy/voxels');
  assert.equal(routeUrl(API_ROUTES.status), '/api/status');
  assert.throws(() => routeUrl(API_ROUTES.annotationHistory), /entryId is missing/);
});

test('matchPath decodes parameters, tells other paths apart and reports bad encoding', () => {
  assert.deepEqual(matchPath('/api/annotations/:entryId/edit', '/api/annotations/a%2Fb%20c/edit'), { entryId: 'a/b c' });
  assert.deepEqual(matchPath('/api/case', '/api/case'), {});
  assert.equal(matchPath('/api/case', '/api/case/end'), null);
  assert.equal(matchPath('/api/annotations/:entryId/edit', '/api/annotations//edit'), null);
  assert.equal(matchPath('/api/annotations/:entryId/edit', '/api/annotations/x/delete'), null);
  assert.deepEqual(matchPath('/api/annotations/:entryId/edit', '/api/annotations/%E0%A4%A/edit'), { error: 'entryId in the path is not valid URL encoding' });
});

test('every route path is unique per method and every path parameter is a whole segment', () => {
  const seen = new Set<string>();
  for (const [name, r] of Object.entries(API_ROUTES)) {
    const key = `${r.method} ${r.path.replace(/:[A-Za-z]+/g, ':')}`;
    assert.ok(!seen.has(key), `${name}: ${key} twice`);
    seen.add(key);
    assert.match(r.path, /^\/api(\/(:[A-Za-z]+|[a-z][a-z0-9-]*))+$/, name);
  }
});

test('validation failures name the field and what is wrong with it', () => {
  const err = (s: core.$ZodType, v: unknown) => {
    const r = validate(s, v, 'body');
    assert.equal(r.ok, false);
    return r.ok ? '' : r.error;
  };
  assert.equal(err(annotationBody, { kind: 'incision' }), 'role is required (text)');
  assert.equal(err(annotationBody, { kind: 'incision', role: 'surgeon', agoMs: 'two' }), 'agoMs must be a number');
  assert.equal(err(annotationBody, undefined), 'body is required (an object)');
  assert.equal(err(annotationBody, [1]), 'body must be an object');
  assert.equal(err(caseStartBody, { procedure: '', team: [] }), 'procedure must not be empty; team must have at least 1 item');
  assert.equal(err(caseStartBody, { procedure: 'x', team: [{ role: 'surgeon', name: 'n'.repeat(101) }] }), 'team[0].name must have at most 100 characters');
  assert.equal(err(registrationBody, { pairs: [{ image: [0, 0, 0], tracker: [0, 0] }] }), 'pairs[0].tracker must have at least 3 items');
  assert.equal(err(API_ROUTES.pacsSearch.query, {}), 'url is required (text)');
  assert.equal(err(API_ROUTES.pacsSearch.query, { url: 'ftp://x' }), 'url: must be a DICOMweb service URL (http[s]://host/dicom-web[?PatientID=...])');
});

test('valid bodies come out parsed: trimmed, unknown fields dropped', () => {
  const r = validate(API_ROUTES.anatomyOpen.body, { source: '  /data/ct  ', extra: 1 }, 'body');
  assert.deepEqual(r, { ok: true, value: { source: '/data/ct' } });
  const a = validate(annotationBody, { kind: 'bolus', role: 'anaesthetist', drug: 'propofol', dose: 50, unit: 'mg', x: true }, 'body');
  assert.deepEqual(a, { ok: true, value: { kind: 'bolus', role: 'anaesthetist', drug: 'propofol', dose: 50, unit: 'mg' } });
});
