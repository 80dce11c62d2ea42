// The Digdag extension: starts diglsp (`<python> -m diglsp` over stdio) as a language client,
// restarts it when it crashes or when a `digdag.server.*` setting changes, and adds commands.

import * as os from 'node:os';
import * as vscode from 'vscode';
import {
  CloseAction,
  type CloseHandlerResult,
  ErrorAction,
  type ErrorHandlerResult,
  ExecuteCommandRequest,
  type Executable,
  LanguageClient,
  type LanguageClientOptions,
  RevealOutputChannelOn,
  State,
} from 'vscode-languageclient/node';
import {
  describeCommand,
  describeLintSummary,
  type Environment,
  initializationOptions,
  type Lookup,
  RestartPolicy,
  SERVER_SECTION,
  type ServerCommand,
  serverCommand,
  SETTING,
  SettingError,
} from './settings';

export const COMMAND = {
  restartServer: 'digdag.restartServer',
  lintWorkspace: 'digdag.lintWorkspace',
  formatDocument: 'digdag.formatDocument',
  showOutput: 'digdag.showOutput',
} as const;

/** The server's workspace command that lints every `.dig` of the workspace folders. */
const SERVER_LINT_WORKSPACE = 'diglsp.lintWorkspace';
const CLIENT_ID = 'digdag'; // the client reads `digdag.trace.server` because of this id
const CLIENT_NAME = 'Digdag Language Server';
const LANGUAGE = 'digdag';

/** A client whose own "couldn't create connection" notification gives way to ours, which says
 * how to install the server (the error still goes to the output). */
class DigdagClient extends LanguageClient {
  override error(message: string, data?: unknown, showNotification?: boolean | 'force'): void {
    const startFailed = message.endsWith("couldn't create connection to server.");
    super.error(message, data, startFailed ? false : showNotification);
  }
}

function lookup(): Lookup {
  const configuration = vscode.workspace.getConfiguration();
  return (key) => configuration.get(key);
}

function environment(): Environment {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  return { workspaceFolder: folder?.uri.fsPath, home: os.homedir(), env: process.env };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Owns the language client: one at a time, started, stopped and restarted in order. */
class Server {
  readonly output = vscode.window.createOutputChannel(CLIENT_NAME, { log: true });
  private readonly trace = vscode.window.createOutputChannel(`${CLIENT_NAME} Trace`, { log: true });
  private readonly status = vscode.languages.createLanguageStatusItem('digdag.server', LANGUAGE);
  private readonly policy = new RestartPolicy();
  // includes, `call>` targets and diglint's configuration change outside the editor too
  private readonly watcher = vscode.workspace.createFileSystemWatcher('**/{*.dig,.diglint.toml,pyproject.toml}');
  private client: LanguageClient | undefined;
  private command: ServerCommand | undefined;
  private running = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor() {
    this.status.name = CLIENT_NAME;
    this.status.command = { title: 'Show Output', command: COMMAND.showOutput };
    this.showState('stopped');
  }

  /** Runs `task` after every start, stop and restart asked for before it. */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  restart(reason: string): Promise<void> {
    return this.enqueue(async () => {
      this.output.info(`Restarting the server: ${reason}.`);
      await this.doStop();
      await this.doStart();
    });
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  /** The running client, (re)started first if needed; undefined when it cannot start. */
  ready(): Promise<LanguageClient | undefined> {
    return this.enqueue(async () => {
      if (this.client?.state !== State.Running) {
        await this.doStop();
        await this.doStart();
      }
      return this.client?.state === State.Running ? this.client : undefined;
    });
  }

  /** What VS Code disposes when the extension is deactivated (after `stop()`). */
  disposables(): vscode.Disposable[] {
    return [this.watcher, this.status, this.trace, this.output];
  }

  resetCrashes(): void {
    this.policy.reset();
  }

  private showState(state: 'starting' | 'running' | 'stopped' | 'failed', detail?: string): void {
    this.status.text = `diglsp: ${state}`;
    this.status.detail = detail ?? (this.command ? describeCommand(this.command) : undefined);
    this.status.severity =
      state === 'failed' ? vscode.LanguageStatusSeverity.Error : vscode.LanguageStatusSeverity.Information;
    this.status.busy = state === 'starting';
  }

  private async doStart(): Promise<void> {
    if (this.client) {
      return;
    }
    try {
      this.command = serverCommand(lookup(), environment());
    } catch (error) {
      const message = error instanceof SettingError ? error.message : errorMessage(error);
      this.output.error(message);
      this.showState('failed', message);
      void this.offerSettings(`Digdag: cannot start the language server. ${message}`);
      return;
    }
    const executable: Executable = {
      command: this.command.command,
      args: this.command.args,
      options: { cwd: environment().workspaceFolder },
    };
    const client = new DigdagClient(CLIENT_ID, CLIENT_NAME, executable, this.clientOptions());
    client.onDidChangeState(({ newState }) => {
      if (client === this.client) {
        this.running = newState === State.Running;
        const state = newState === State.Running ? 'running' : newState === State.Starting ? 'starting' : 'stopped';
        this.showState(state);
      }
    });
    this.client = client;
    this.output.info(`Starting ${describeCommand(this.command)}`);
    try {
      await client.start();
    } catch (error) {
      this.client = undefined;
      const described = describeCommand(this.command);
      this.output.error(`Could not start ${described}: ${errorMessage(error)}`);
      this.showState('failed', `${described} did not start`);
      void this.offerSettings(
        `Digdag: the language server \`${described}\` did not start (${errorMessage(error)}). ` +
          `Install digkit into that Python (\`python3 -m pip install digkit\`), or set ` +
          `\`${SETTING.pythonPath}\` or \`${SETTING.serverPath}\`.`,
      );
      await client.dispose().catch(() => undefined);
    }
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.running = false;
    if (client) {
      try {
        await client.dispose(2000);
      } catch (error) {
        this.output.warn(`Stopping the server: ${errorMessage(error)}`);
      }
    }
    this.showState('stopped');
  }

  private clientOptions(): LanguageClientOptions {
    return {
      documentSelector: [
        { scheme: 'file', language: LANGUAGE },
        { scheme: 'untitled', language: LANGUAGE },
      ],
      outputChannel: this.output,
      traceOutputChannel: this.trace,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: () => initializationOptions(lookup()),
      synchronize: { configurationSection: 'digdag', fileEvents: this.watcher },
      errorHandler: {
        error: (_error, _message, count): ErrorHandlerResult => ({
          action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
        }),
        closed: (): CloseHandlerResult => this.closed(),
      },
    };
  }

  /** The server process ended without being asked to. */
  private closed(): CloseHandlerResult {
    if (!this.running) {
      // It died while starting: `start()` fails and says how to install the server.
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    if (this.policy.crashed()) {
      const crashes = this.policy.recentCrashes;
      this.output.warn(`The server stopped unexpectedly; restarting it (${crashes} in the last 3 minutes).`);
      return { action: CloseAction.Restart, handled: true };
    }
    const message =
      `Digdag: the language server crashed ${this.policy.recentCrashes} times in the last 3 minutes ` +
      'and was not restarted.';
    this.output.error(message);
    this.showState('failed', 'crashed too often');
    void vscode.window.showErrorMessage(message, 'Restart', 'Show Output').then((choice) => {
      if (choice === 'Restart') {
        void vscode.commands.executeCommand(COMMAND.restartServer);
      } else if (choice === 'Show Output') {
        this.output.show(true);
      }
    });
    return { action: CloseAction.DoNotRestart, handled: true };
  }

  private async offerSettings(message: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(message, 'Open Settings', 'Show Output');
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', SERVER_SECTION);
    } else if (choice === 'Show Output') {
      this.output.show(true);
    }
  }
}

let server: Server | undefined;

async function lintWorkspace(current: Server): Promise<void> {
  if (!vscode.workspace.workspaceFolders?.length) {
    void vscode.window.showInformationMessage('Digdag: open a folder to lint its workflows.');
    return;
  }
  const client = await current.ready();
  if (!client) {
    return;
  }
  try {
    const result: unknown = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'diglint: linting the workspace…' },
      () =>
        client.sendRequest(ExecuteCommandRequest.type, { command: SERVER_LINT_WORKSPACE, arguments: [] }),
    );
    const summary = describeLintSummary(result);
    if (summary) {
      current.output.info(summary);
      void vscode.window.showInformationMessage(summary);
    }
    await vscode.commands.executeCommand('workbench.actions.view.problems');
  } catch (error) {
    current.output.error(`${SERVER_LINT_WORKSPACE}: ${errorMessage(error)}`);
    void vscode.window.showErrorMessage(`Digdag: linting the workspace failed: ${errorMessage(error)}`);
  }
}

export function activate(context: vscode.ExtensionContext): void {
  const current = new Server();
  server = current;
  context.subscriptions.push(
    ...current.disposables(),
    vscode.commands.registerCommand(COMMAND.restartServer, async () => {
      current.resetCrashes();
      await current.restart('asked for');
    }),
    vscode.commands.registerCommand(COMMAND.lintWorkspace, () => lintWorkspace(current)),
    vscode.commands.registerCommand(COMMAND.formatDocument, () =>
      vscode.commands.executeCommand('editor.action.formatDocument'),
    ),
    vscode.commands.registerCommand(COMMAND.showOutput, () => current.output.show(true)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(SERVER_SECTION)) {
        void current.restart(`\`${SERVER_SECTION}\` settings changed`);
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      void current.restart('the workspace is trusted now');
    }),
  );
  // not awaited: a slow server must not hold up the commands, which wait for activation
  void current.start();
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
