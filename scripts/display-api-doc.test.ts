/** docs/display-api.md is what scripts/display-api-doc.ts makes from the route table now. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { DOC_FILE, renderDisplayApiDoc } from './display-api-doc';
import { API_ROUTES } from '../common/display-api';

test('docs/display-api.md is up to date with common/display-api.ts (else run "npm run docs:api")', () => {
  const doc = renderDisplayApiDoc();
  assert.ok(doc === fs.readFileSync(DOC_FILE, 'utf8'), 'docs/display-api.md is stale: run "npm run docs:api"');
});

test('the doc has every route with its method, path and errors, and the types its answers use', () => {
  const doc = renderDisplayApiDoc();
  for (const [name, r] of Object.entries(API_ROUTES)) {
    assert.ok(doc.includes(`### ${name}: \`${r.method} ${r.path}\``), `${name} has its section`);
    for (const [status, why] of Object.entries(r.errors)) assert.ok(doc.includes(`| ${status} | ${why.replace(/\|/g, '\\|')} |`), `${name}: error ${status}`);
  }
  for (const t of ['StatusView', 'DeviceView', 'CaseView', 'AnnotationAckView', 'RegistrationView', 'VolumeMeta'])
    assert.match(doc, new RegExp(`^### ${t}$`, 'm'), `type ${t}`);
  // Request fields come from the schemas, response fields with their JSDoc from the types.
  assert.match(doc, /^\| `team\[\]\.role` \| text \| yes \| role on the team, e.g\. surgeon; not empty, at most 40 characters \|$/m);
  assert.match(doc, /^\| `version` \| `number` \| The hub's CONTRACT_VERSION: a client of another version must not interpret the rest\. \|$/m);
  assert.match(doc, /Authorization: Bearer TOKEN/);
});
