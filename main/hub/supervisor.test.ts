import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withFlag } from './supervisor';

test('withFlag replaces both --flag VALUE and --flag=VALUE forms, once', () => {
  assert.deepEqual(withFlag(['--port', '0', '--bus', 'tcp://127.0.0.1:*', '--simulate'], '--port', '4100'), [
    '--bus',
    'tcp://127.0.0.1:*',
    '--simulate',
    '--port',
    '4100',
  ]);
  assert.deepEqual(withFlag(['--port=0', '--headless'], '--port', '4100'), ['--headless', '--port', '4100']);
  assert.deepEqual(withFlag(['--headless'], '--bus', 'tcp://127.0.0.1:7400'), ['--headless', '--bus', 'tcp://127.0.0.1:7400']);
});
