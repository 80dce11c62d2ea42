// What the .vsix would contain (`vsce ls`): only the files VS Code loads.

import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { it } from 'node:test';

const EXPECTED = [
  'LICENSE',
  'README.md',
  'dist/extension.js',
  'language-configuration.json',
  'package.json',
  'snippets/digdag.json',
  'syntaxes/digdag-expression.injection.tmLanguage.json',
  'syntaxes/digdag.tmLanguage.json',
];

it('packages exactly the runtime files', () => {
  const vsce = path.join(process.cwd(), 'node_modules', '.bin', 'vsce');
  const listed = execFileSync(vsce, ['ls', '--no-dependencies'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  assert.deepEqual([...listed].sort(), EXPECTED);
});
