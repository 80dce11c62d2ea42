// Unit tests of src/settings.ts under plain Node (`npm run test:unit`).

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeCommand,
  describeLintSummary,
  expand,
  initializationOptions,
  RestartPolicy,
  serverCommand,
  SETTING,
  SettingError,
} from '../../src/settings';

const WORKSPACE = '/work/project';
const ENV = { workspaceFolder: WORKSPACE, home: '/home/me', env: { VENV: '/opt/venv' } };

function settings(values: Record<string, unknown>): (key: string) => unknown {
  return (key) => values[key];
}

describe('serverCommand', () => {
  it('runs `python3 -m diglsp` by default', () => {
    assert.deepEqual(serverCommand(settings({}), ENV), { command: 'python3', args: ['-m', 'diglsp'] });
  });

  it('uses digdag.server.pythonPath, resolving relative paths in the workspace folder', () => {
    const get = settings({ [SETTING.pythonPath]: '.venv/bin/python' });
    assert.deepEqual(serverCommand(get, ENV), {
      command: '/work/project/.venv/bin/python',
      args: ['-m', 'diglsp'],
    });
  });

  it('expands ~, ${userHome}, ${workspaceFolder} and ${env:NAME}', () => {
    assert.equal(serverCommand(settings({ [SETTING.pythonPath]: '~/py/bin/python' }), ENV).command, '/home/me/py/bin/python');
    assert.equal(expand('${userHome}/x', ENV), '/home/me/x');
    assert.equal(expand('${workspaceFolder}/.venv/bin/python', ENV), '/work/project/.venv/bin/python');
    assert.equal(expand('${env:VENV}/bin/python', ENV), '/opt/venv/bin/python');
    assert.equal(expand('${env:UNSET}x', ENV), 'x');
    assert.equal(expand('${workspaceFolder}/x', { home: '/h' }), '${workspaceFolder}/x');
  });

  it('keeps a bare python name for the PATH lookup and falls back on an empty one', () => {
    assert.equal(serverCommand(settings({ [SETTING.pythonPath]: 'python3.12' }), ENV).command, 'python3.12');
    assert.equal(serverCommand(settings({ [SETTING.pythonPath]: '  ' }), ENV).command, 'python3');
    assert.equal(serverCommand(settings({ [SETTING.pythonPath]: null }), ENV).command, 'python3');
  });

  it('prefers digdag.server.path, as an executable or a command with arguments', () => {
    assert.deepEqual(serverCommand(settings({ [SETTING.serverPath]: '/usr/local/bin/diglsp', [SETTING.pythonPath]: 'python9' }), ENV), {
      command: '/usr/local/bin/diglsp',
      args: [],
    });
    assert.deepEqual(serverCommand(settings({ [SETTING.serverPath]: ['uvx', '--from', 'digkit', 'diglsp'] }), ENV), {
      command: 'uvx',
      args: ['--from', 'digkit', 'diglsp'],
    });
    assert.deepEqual(serverCommand(settings({ [SETTING.serverPath]: [] }), ENV).args, ['-m', 'diglsp']);
    assert.deepEqual(serverCommand(settings({ [SETTING.serverPath]: '' }), ENV).args, ['-m', 'diglsp']);
  });

  it('appends digdag.server.args', () => {
    const get = settings({ [SETTING.serverArgs]: ['--log-file', '${workspaceFolder}/lsp.log'] });
    assert.deepEqual(serverCommand(get, ENV).args, ['-m', 'diglsp', '--log-file', '/work/project/lsp.log']);
    const withPath = settings({ [SETTING.serverPath]: ['diglsp', '-v'], [SETTING.serverArgs]: ['--x'] });
    assert.deepEqual(serverCommand(withPath, ENV), { command: 'diglsp', args: ['-v', '--x'] });
  });

  it('rejects settings of the wrong type with a message naming the setting', () => {
    assert.throws(() => serverCommand(settings({ [SETTING.serverArgs]: '--x' }), ENV), (error: unknown) => {
      return error instanceof SettingError && error.message.includes(SETTING.serverArgs);
    });
    assert.throws(() => serverCommand(settings({ [SETTING.serverPath]: [1] }), ENV), SettingError);
    assert.throws(() => serverCommand(settings({ [SETTING.serverPath]: [' ', 'x'] }), ENV), SettingError);
    assert.throws(() => serverCommand(settings({ [SETTING.pythonPath]: 3 }), ENV), SettingError);
  });

  it('leaves relative paths alone without a workspace folder', () => {
    assert.equal(serverCommand(settings({ [SETTING.pythonPath]: 'venv/bin/python' }), {}).command, 'venv/bin/python');
  });
});

describe('describeCommand', () => {
  it('quotes only the parts that need it', () => {
    assert.equal(describeCommand({ command: '/a b/python', args: ['-m', 'diglsp'] }), '"/a b/python" -m diglsp');
  });
});

describe('describeLintSummary', () => {
  it('says how many files, errors and warnings', () => {
    assert.equal(describeLintSummary({ files: 12, errors: 1, warnings: 0 }), 'diglint: 12 files checked, 1 error, 0 warnings.');
    assert.equal(describeLintSummary({ files: 1 }), 'diglint: 1 file checked, 0 errors, 0 warnings.');
  });

  it('says nothing about an answer of another shape', () => {
    assert.equal(describeLintSummary(null), undefined);
    assert.equal(describeLintSummary([]), undefined);
    assert.equal(describeLintSummary('done'), undefined);
  });
});

describe('initializationOptions', () => {
  it('has the shape the server reads, with the defaults', () => {
    assert.deepEqual(initializationOptions(settings({})), {
      lint: { select: null, ignore: [], debounceMs: 100 },
      inlayHints: { schedule: true, values: true },
    });
  });

  it('passes the settings through', () => {
    const get = settings({
      [SETTING.lintSelect]: ['undefined-variable', 'missing-file'],
      [SETTING.lintIgnore]: ['hardcoded-credential'],
      [SETTING.lintDebounceMs]: 250,
      [SETTING.inlayHintsSchedule]: false,
      [SETTING.inlayHintsValues]: false,
      'digdag.server.pythonPath': '/usr/bin/python3',
    });
    assert.deepEqual(initializationOptions(get), {
      lint: { select: ['undefined-variable', 'missing-file'], ignore: ['hardcoded-credential'], debounceMs: 250 },
      inlayHints: { schedule: false, values: false },
    });
  });

  it('replaces unusable values with the defaults', () => {
    const get = settings({
      [SETTING.lintSelect]: 'all',
      [SETTING.lintIgnore]: ['ok', 3],
      [SETTING.lintDebounceMs]: -5,
      [SETTING.inlayHintsSchedule]: 'no',
    });
    const options = initializationOptions(get);
    assert.equal(options.lint.select, null);
    assert.deepEqual(options.lint.ignore, ['ok']);
    assert.equal(options.lint.debounceMs, 100);
    assert.equal(options.inlayHints.schedule, true);
    assert.equal(initializationOptions(settings({ [SETTING.lintDebounceMs]: 12.6 })).lint.debounceMs, 13);
    assert.deepEqual(initializationOptions(settings({ [SETTING.lintSelect]: [] })).lint.select, []);
  });
});

describe('RestartPolicy', () => {
  it('restarts up to the limit within the window, then gives up', () => {
    let now = 0;
    const policy = new RestartPolicy(3, 1000, () => now);
    assert.deepEqual([policy.crashed(), policy.crashed(), policy.crashed()], [true, true, true]);
    assert.equal(policy.crashed(), false);
    assert.equal(policy.recentCrashes, 4);
  });

  it('forgets crashes older than the window', () => {
    let now = 0;
    const policy = new RestartPolicy(2, 1000, () => now);
    policy.crashed();
    now = 600;
    policy.crashed();
    now = 1100; // the first crash is out of the window
    assert.equal(policy.crashed(), true);
    now = 1200;
    assert.equal(policy.crashed(), false);
  });

  it('starts counting afresh after reset()', () => {
    const policy = new RestartPolicy(1, 1000, () => 0);
    policy.crashed();
    assert.equal(policy.crashed(), false);
    policy.reset();
    assert.equal(policy.crashed(), true);
  });
});
