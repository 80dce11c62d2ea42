// Just enough of the `vscode` module to run dist/extension.js and vscode-languageclient under
// plain Node: settings, commands, messages, output channels and diagnostics are recorded in
// `host`; anything else is an inert stand-in that can be called, constructed and disposed.

import * as path from 'node:path';

type Listener<T> = (event: T) => unknown;

class Disposable {
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((item) => item.dispose()));
  }
  constructor(private readonly onDispose: () => unknown = () => undefined) {}
  dispose(): void {
    this.onDispose();
  }
}

class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.push(listener);
    return new Disposable(() => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    });
  };
  fire(event: T): void {
    for (const listener of [...this.listeners]) {
      listener(event);
    }
  }
  dispose(): void {
    this.listeners = [];
  }
}

class Uri {
  private constructor(
    readonly scheme: string,
    readonly fsPath: string,
  ) {}
  static file(fsPath: string): Uri {
    return new Uri('file', path.resolve(fsPath));
  }
  static parse(value: string): Uri {
    const match = /^([a-z][\w+.-]*):(?:\/\/)?(.*)$/i.exec(value);
    if (match?.[1] === 'file') {
      return new Uri('file', decodeURIComponent(match[2]));
    }
    return new Uri(match?.[1] ?? 'file', match?.[2] ?? value);
  }
  get path(): string {
    return this.fsPath;
  }
  toString(): string {
    return this.scheme === 'file' ? `file://${encodeURI(this.fsPath)}` : `${this.scheme}:${this.fsPath}`;
  }
  toJSON(): object {
    return { scheme: this.scheme, path: this.fsPath };
  }
  with(): Uri {
    return this;
  }
}

class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: Position | number, b: Position | number, c?: number, d?: number) {
    this.start = typeof a === 'number' ? new Position(a, b as number) : a;
    this.end = typeof a === 'number' ? new Position(c ?? 0, d ?? 0) : (b as Position);
  }
}

class Diagnostic {
  code?: unknown;
  source?: string;
  constructor(
    readonly range: Range,
    readonly message: string,
    readonly severity?: number,
  ) {}
}

class CancellationTokenSource {
  private readonly emitter = new EventEmitter<void>();
  readonly token = { isCancellationRequested: false, onCancellationRequested: this.emitter.event };
  cancel(): void {
    this.token.isCancellationRequested = true;
    this.emitter.fire();
  }
  dispose(): void {}
}

/** A value for anything the mock does not model: callable, constructible, disposable. */
function inert(name: string): unknown {
  const target = function () {} as unknown as Record<string | symbol, unknown>;
  return new Proxy(target, {
    get(_, key) {
      if (key === 'dispose') return () => undefined;
      if (key === 'then' || key === Symbol.toPrimitive || key === Symbol.iterator) return undefined;
      if (key === 'toString') return () => name;
      return inert(`${name}.${String(key)}`);
    },
    apply: () => inert(`${name}()`),
    construct: () => inert(`new ${name}`) as object,
  });
}

/** An object whose missing properties are inert; `onDid...`/`onWill...` are events. */
function lenient<T extends object>(name: string, known: T): T {
  const events = new Map<string, EventEmitter<unknown>>();
  return new Proxy(known, {
    get(target, key, receiver) {
      if (typeof key === 'string' && !(key in target)) {
        if (/^on(Did|Will)/.test(key)) {
          let emitter = events.get(key);
          if (!emitter) {
            emitter = new EventEmitter<unknown>();
            events.set(key, emitter);
          }
          return emitter.event;
        }
        return inert(`${name}.${key}`);
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

export interface Message {
  kind: 'error' | 'warning' | 'info';
  text: string;
}

/** What the extension did to VS Code, and the knobs a test turns. */
export const host = {
  settings: new Map<string, unknown>(),
  folders: [] as { uri: Uri; name: string; index: number }[],
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  executed: [] as string[],
  messages: [] as Message[],
  log: [] as string[],
  diagnostics: new Map<string, Diagnostic[]>(),
  statusText: '',
  configurationChanged: new EventEmitter<{ affectsConfiguration(section: string): boolean }>(),

  reset(): void {
    this.settings.clear();
    this.folders = [];
    this.commands.clear();
    this.executed = [];
    this.messages = [];
    this.log = [];
    this.diagnostics.clear();
    this.statusText = '';
  },

  /** Changes settings and tells the extension, like editing settings.json. */
  change(values: Record<string, unknown>): void {
    for (const [key, value] of Object.entries(values)) {
      this.settings.set(key, value);
    }
    const keys = Object.keys(values);
    this.configurationChanged.fire({
      affectsConfiguration: (section) => keys.some((key) => key === section || key.startsWith(`${section}.`)),
    });
  },
};

function configuration(section?: string) {
  const prefix = section ? `${section}.` : '';
  const get = (key: string, fallback?: unknown): unknown =>
    host.settings.has(prefix + key) ? host.settings.get(prefix + key) : fallback;
  // the client sends `{digdag: {...}}` on didChangeConfiguration: nest the dotted keys
  const tree = (): Record<string, unknown> => {
    const root: Record<string, unknown> = {};
    for (const [key, value] of host.settings) {
      if (!key.startsWith(prefix)) continue;
      const parts = key.slice(prefix.length).split('.');
      let node = root;
      for (const part of parts.slice(0, -1)) {
        node = (node[part] ??= {}) as Record<string, unknown>;
      }
      node[parts[parts.length - 1]] = value;
    }
    return root;
  };
  return lenient('configuration', {
    get,
    has: (key: string) => host.settings.has(prefix + key),
    inspect: () => undefined,
    update: async () => undefined,
    toJSON: tree,
    ...tree(),
  });
}

function outputChannel(name: string) {
  const write = (level: string) => (text: unknown) => {
    host.log.push(`[${name}] ${level} ${String(text)}`);
  };
  return lenient('outputChannel', {
    name,
    logLevel: 2,
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    append: write('append'),
    appendLine: write('line'),
    replace: write('replace'),
    clear: () => undefined,
    show: () => undefined,
    hide: () => undefined,
    dispose: () => undefined,
  });
}

function message(kind: Message['kind']) {
  return async (text: string) => {
    host.messages.push({ kind, text });
    return undefined;
  };
}

export const vscode = lenient('vscode', {
  version: '1.91.0',
  Disposable,
  EventEmitter,
  Uri,
  Position,
  Range,
  Diagnostic,
  CancellationTokenSource,
  CancellationError: class CancellationError extends Error {},
  LanguageStatusSeverity: { Information: 0, Warning: 1, Error: 2 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  LogLevel: { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 },
  DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
  workspace: lenient('workspace', {
    getConfiguration: configuration,
    get workspaceFolders() {
      return host.folders.length ? host.folders : undefined;
    },
    textDocuments: [],
    notebookDocuments: [],
    onDidChangeConfiguration: host.configurationChanged.event,
    createFileSystemWatcher: () => lenient('watcher', { dispose: () => undefined }),
    getWorkspaceFolder: (uri: Uri) => host.folders.find((f) => uri.fsPath.startsWith(f.uri.fsPath)),
  }),
  window: lenient('window', {
    createOutputChannel: outputChannel,
    showErrorMessage: message('error'),
    showWarningMessage: message('warning'),
    showInformationMessage: message('info'),
    withProgress: async (_options: unknown, task: (progress: unknown, token: unknown) => unknown) =>
      task({ report: () => undefined }, new CancellationTokenSource().token),
    activeTextEditor: undefined,
    visibleTextEditors: [],
    tabGroups: lenient('tabGroups', { all: [] }),
  }),
  languages: lenient('languages', {
    match: () => 0,
    createLanguageStatusItem: () =>
      lenient('status', {
        set text(value: string) {
          host.statusText = value;
        },
        get text() {
          return host.statusText;
        },
        dispose: () => undefined,
      }),
    createDiagnosticCollection: () =>
      lenient('diagnostics', {
        set: (uri: Uri, diagnostics: Diagnostic[] | undefined) => {
          host.diagnostics.set(uri.toString(), diagnostics ?? []);
        },
        delete: (uri: Uri) => host.diagnostics.delete(uri.toString()),
        clear: () => host.diagnostics.clear(),
        forEach: () => undefined,
        dispose: () => undefined,
      }),
  }),
  commands: lenient('commands', {
    registerCommand: (id: string, handler: (...args: unknown[]) => unknown) => {
      host.commands.set(id, handler);
      return new Disposable(() => host.commands.delete(id));
    },
    executeCommand: async (id: string, ...args: unknown[]) => {
      host.executed.push(id);
      return host.commands.get(id)?.(...args);
    },
  }),
  env: lenient('env', { language: 'en', appName: 'mock', machineId: 'mock', uriScheme: 'vscode' }),
});

export function folder(fsPath: string): { uri: Uri; name: string; index: number } {
  return { uri: Uri.file(fsPath), name: path.basename(fsPath), index: 0 };
}
