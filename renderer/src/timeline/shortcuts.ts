/** Keyboard shortcut matching for annotation presets ("Alt+4", "Ctrl+Shift+F5"). Pure. */
export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  metaKey: boolean;
  code?: string;
}

/** The canonical name of a key event, in the presets file's spelling. */
export function shortcutOf(e: KeyLike): string {
  const mods = [e.ctrlKey && 'Ctrl', e.altKey && 'Alt', e.shiftKey && 'Shift', e.metaKey && 'Meta'].filter(Boolean) as string[];
  let key = e.key;
  // With Alt held some layouts produce other characters: fall back to the physical key.
  if (e.code && /^Digit\d$/.test(e.code)) key = e.code.slice(5);
  else if (e.code && /^Key[A-Z]$/.test(e.code)) key = e.code.slice(3);
  else if (key.length === 1) key = key.toUpperCase();
  return [...mods, key].join('+');
}
