import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shortcutOf } from './shortcuts';

const k = (key: string, mods: Partial<Record<'ctrlKey' | 'altKey' | 'shiftKey' | 'metaKey', boolean>> = {}, code?: string) => ({
  key,
  ctrlKey: false,
  altKey: false,
  shiftKey: false,
  metaKey: false,
  ...mods,
  code,
});

test('key events map to the presets file spelling', () => {
  assert.equal(shortcutOf(k('4', { altKey: true }, 'Digit4')), 'Alt+4');
  assert.equal(shortcutOf(k('¢', { altKey: true }, 'Digit4')), 'Alt+4'); // macOS Option+4
  assert.equal(shortcutOf(k('F5')), 'F5');
  assert.equal(shortcutOf(k('i', { ctrlKey: true, shiftKey: true }, 'KeyI')), 'Ctrl+Shift+I');
  assert.equal(shortcutOf(k('n')), 'N');
});
