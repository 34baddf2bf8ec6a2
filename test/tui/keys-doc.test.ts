/**
 * docs/keys.md is a hand copy of the keymap table: a key added to, or removed from, the keymap
 * without the page following would tell users about keys that do not exist (or hide real ones).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KEYMAP, keyLabel } from '../../source/ui/keymap.js';
import { LINE_KEYS } from '../../source/ui/lineEdit.js';

const PAGE = readFileSync(new URL('../../docs/keys.md', import.meta.url), 'utf8');

/** The first cell of each table row, split into its key labels: "`↑` / `↓`" → ["↑", "↓"]. */
function documentedKeys(): string[] {
  const keys: string[] = [];
  for (const line of PAGE.split('\n')) {
    const cell = /^\|\s*(`[^|]*)\|/.exec(line)?.[1];
    if (!cell) continue;
    for (const match of cell.matchAll(/`([^`]+)`/g)) keys.push(match[1] ?? '');
  }
  return keys;
}

describe('docs/keys.md', () => {
  it('lists every key of the keymap, and no key the keymap does not have', () => {
    const inKeymap = KEYMAP.flatMap((binding) => binding.keys.map(keyLabel));
    expect([...documentedKeys()].sort()).toEqual([...inKeymap].sort());
  });

  it('names every editing key of the message line the help lists', () => {
    // "Ctrl+B/F" in the help is `Ctrl+B`/`Ctrl+F` on the page.
    const labels = LINE_KEYS.flatMap(({ keys }) =>
      keys.split(/, | \/ /).flatMap((label) => {
        const [, head, first, rest] = /^(.*?)([^+/]+)((?:\/[^/]+)*)$/.exec(label) ?? [];
        if (rest === undefined || rest === '') return [label];
        return [
          `${head}${first}`,
          ...rest
            .split('/')
            .slice(1)
            .map((k) => `${head}${k}`),
        ];
      }),
    );
    expect(labels).toContain('Ctrl+F');
    for (const label of labels) expect(PAGE, label).toContain(`\`${label}\``);
  });

  it('says in which modes each key works, as the keymap does', () => {
    for (const binding of KEYMAP) {
      const label = binding.keys.map(keyLabel)[0] ?? '';
      const row = PAGE.split('\n').find((l) => l.startsWith('|') && l.includes(`\`${label}\``));
      const works = row?.split('|').at(-2)?.trim() ?? '';
      const words = { call: 'in call', typing: 'typing', help: 'help' } as const;
      if (binding.when.length === 3) expect(works, label).toMatch(/always/);
      else for (const mode of binding.when) expect(works, label).toContain(words[mode]);
      if (binding.onlyInPtt) expect(works, label).toMatch(/push-to-talk/);
    }
  });
});
