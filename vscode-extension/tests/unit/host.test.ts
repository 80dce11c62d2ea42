// The bundled extension (dist/extension.js) run by vscode-languageclient against a stand-in
// VS Code (vscode-mock.ts): it starts the server command from the settings, sends the
// initializationOptions, restarts a crashing server a bounded number of times, restarts on
// `digdag.server.*` changes and asks the server to lint the workspace. With DIGKIT_PYTHON
// set (make vscode sets it), the last test runs the real `python -m diglsp`.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { folder, host, vscode } from './vscode-mock';

interface Extension {
  activate(context: { subscriptions: { dispose(): unknown }[] }): void;
  deactivate(): Promise<void>;
}

const Module = require('node:module') as { _load: (request: string, ...rest: unknown[]) => unknown };
const load = Module._load;
Module._load = function (this: unknown, request: string, ...rest: unknown[]) {
  return request === 'vscode' ? vscode : load.call(this, request, ...rest);
};
const extension = require(path.resolve('dist', 'extension.js')) as Extension;

const FAKE_SERVER = path.resolve('out', 'unit', 'fake-server.js');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'digdag-ext-'));
let context: { subscriptions: { dispose(): unknown }[] };
let logFile: string;

interface Entry {
  event: 'start' | 'message';
  args?: string[];
  method?: string;
  params?: { command?: string; initializationOptions?: unknown };
}

function entries(): Entry[] {
  if (!fs.existsSync(logFile)) return [];
  return fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Entry);
}

const starts = (): Entry[] => entries().filter((e) => e.event === 'start');

async function until(what: string, condition: () => boolean, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      assert.fail(`timed out waiting for ${what}\n${host.log.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function fakeServer(...extra: string[]): string[] {
  return [process.execPath, FAKE_SERVER, logFile, ...extra];
}

describe('the extension in a stand-in VS Code', () => {
  let count = 0;
  beforeEach(() => {
    host.reset();
    logFile = path.join(scratch, `server-${++count}.jsonl`);
    context = { subscriptions: [] };
  });

  afterEach(async () => {
    await extension.deactivate();
    context.subscriptions.forEach((item) => item.dispose());
  });

  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('registers its commands and starts the server with the settings as initializationOptions', async () => {
    host.settings.set('digdag.server.path', fakeServer('normal'));
    host.settings.set('digdag.server.args', ['--extra']);
    host.settings.set('digdag.lint.ignore', ['hardcoded-credential']);
    host.settings.set('digdag.lint.debounceMs', 250);
    host.settings.set('digdag.inlayHints.values', false);
    extension.activate(context);
    assert.deepEqual(
      [...host.commands.keys()].filter((id) => id.startsWith('digdag.')).sort(),
      ['digdag.formatDocument', 'digdag.lintWorkspace', 'digdag.restartServer', 'digdag.showOutput'],
    );
    await until('the server to run', () => host.statusText === 'diglsp: running');
    const [start] = starts();
    assert.deepEqual(start.args, ['--extra']);
    const initialize = entries().find((e) => e.method === 'initialize');
    assert.deepEqual(initialize?.params?.initializationOptions, {
      lint: { select: null, ignore: ['hardcoded-credential'], debounceMs: 250 },
      inlayHints: { schedule: true, values: false },
    });
  });

  it('restarts a crashing server 5 times, then stops and says so', async () => {
    host.settings.set('digdag.server.path', fakeServer('crash'));
    extension.activate(context);
    await until('the crash message', () => host.messages.some((m) => m.kind === 'error'));
    assert.equal(starts().length, 6);
    assert.match(host.messages[0].text, /crashed 6 times in the last 3 minutes/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(starts().length, 6, 'no restart after giving up');
  });

  it('restarts the server when a digdag.server setting changes, not for other settings', async () => {
    host.settings.set('digdag.server.path', fakeServer('normal'));
    extension.activate(context);
    await until('the server to run', () => host.statusText === 'diglsp: running');
    host.change({ 'digdag.lint.debounceMs': 300 });
    await until('didChangeConfiguration', () =>
      entries().some((e) => e.method === 'workspace/didChangeConfiguration'),
    );
    assert.equal(starts().length, 1);
    host.change({ 'digdag.server.args': ['--second'] });
    const initializes = () => entries().filter((e) => e.method === 'initialize').length;
    await until('a second server', () => initializes() === 2);
    assert.deepEqual(starts()[1].args, ['--second']);
    const methods = entries().map((e) => e.method);
    assert.ok(methods.indexOf('shutdown') < methods.lastIndexOf('initialize'), 'the first server was shut down first');
  });

  it('asks the server to lint the workspace and reports its summary', async () => {
    host.settings.set('digdag.server.path', fakeServer('normal'));
    host.folders = [folder(scratch)];
    extension.activate(context);
    await host.commands.get('digdag.lintWorkspace')?.();
    const request = entries().find((e) => e.method === 'workspace/executeCommand');
    assert.equal(request?.params?.command, 'diglsp.lintWorkspace');
    assert.deepEqual(host.messages, [{ kind: 'info', text: 'diglint: 3 files checked, 1 error, 2 warnings.' }]);
    assert.ok(host.executed.includes('workbench.actions.view.problems'));
  });

  it('says how to install the server when it cannot start', async () => {
    host.settings.set('digdag.server.pythonPath', path.join(scratch, 'no-such-python'));
    extension.activate(context);
    await until('the error message', () => host.messages.length > 0);
    assert.equal(host.messages[0].kind, 'error');
    assert.match(host.messages[0].text, /did not start.*pip install digkit/);
    assert.equal(host.statusText, 'diglsp: failed');
  });

  it('runs the real diglsp: lintWorkspace publishes diagnostics', { skip: !process.env.DIGKIT_PYTHON }, async () => {
    const project = path.join(scratch, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'broken.dig'), '+a:\n  sh>: echo 1\n+a:\n  sh>: echo 2\n');
    fs.writeFileSync(path.join(project, 'fine.dig'), 'timezone: UTC\n+a:\n  sh>: echo 1\n');
    host.settings.set('digdag.server.pythonPath', process.env.DIGKIT_PYTHON);
    host.folders = [folder(project)];
    extension.activate(context);
    await until('the server to run', () => host.statusText === 'diglsp: running', 60000);
    await host.commands.get('digdag.lintWorkspace')?.();
    assert.match(host.messages.at(-1)?.text ?? '', /^diglint: 2 files checked, [1-9]\d* errors?, /);
    const broken = [...host.diagnostics].find(([uri]) => uri.endsWith('/broken.dig'));
    assert.ok(broken && broken[1].length > 0, `no diagnostics for broken.dig:\n${host.log.join('\n')}`);
    assert.ok(broken[1].some((d) => /duplicate/i.test(d.message)), broken[1].map((d) => d.message).join('\n'));
  });
});
