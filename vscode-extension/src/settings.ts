// What the extension makes of its settings. Nothing here imports `vscode`, so the unit tests
// (tests/unit) run it under plain Node.

import * as path from 'node:path';

/** Setting keys, spelled out in full: tests/test_vscode_extension.py checks each is declared. */
export const SETTING = {
  pythonPath: 'digdag.server.pythonPath',
  serverPath: 'digdag.server.path',
  serverArgs: 'digdag.server.args',
  lintSelect: 'digdag.lint.select',
  lintIgnore: 'digdag.lint.ignore',
  lintDebounceMs: 'digdag.lint.debounceMs',
  inlayHintsSchedule: 'digdag.inlayHints.schedule',
  inlayHintsValues: 'digdag.inlayHints.values',
} as const;

/** The section whose changes need a new server process (the others are sent to the server). */
export const SERVER_SECTION = 'digdag.server';

export const DEFAULT_PYTHON = 'python3';
export const DEFAULT_DEBOUNCE_MS = 100;
export const SERVER_MODULE = 'diglsp';

/** Reads one setting by its full key; `undefined` when unset or of no usable type. */
export type Lookup = (key: string) => unknown;

/** Where `~`, `${userHome}`, `${workspaceFolder}` and `${env:NAME}` point. */
export interface Environment {
  workspaceFolder?: string;
  home?: string;
  env?: Record<string, string | undefined>;
}

export interface ServerCommand {
  command: string;
  args: string[];
}

/** The `initializationOptions` the server reads: the `digdag` section less `server` and `trace`. */
export interface InitializationOptions {
  lint: { select: string[] | null; ignore: string[]; debounceMs: number };
  inlayHints: { schedule: boolean; values: boolean };
}

/** A setting that cannot be used as it is; the message is shown to the user. */
export class SettingError extends Error {}

function strings(value: unknown, key: string): string[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new SettingError(`\`${key}\` must be a list of strings.`);
  }
  return value as string[];
}

/** `value` with `~`, `${userHome}`, `${workspaceFolder}` and `${env:NAME}` replaced. */
export function expand(value: string, environment: Environment): string {
  const home = environment.home ?? '';
  let result = value.replace(/\$\{(userHome|workspaceFolder|env:([A-Za-z_][A-Za-z0-9_]*))\}/g,
    (whole: string, name: string, envName: string | undefined) => {
      if (envName !== undefined) {
        return environment.env?.[envName] ?? '';
      }
      if (name === 'userHome') {
        return home;
      }
      return environment.workspaceFolder ?? whole;
    });
  if (home && (result === '~' || result.startsWith('~/') || result.startsWith('~\\'))) {
    result = home + result.slice(1);
  }
  return result;
}

/**
 * An executable named in a setting: a bare name (`python3`) is left to the PATH lookup, a
 * relative path (`.venv/bin/python`) is taken from the first workspace folder.
 */
export function resolveExecutable(value: string, environment: Environment): string {
  const expanded = expand(value.trim(), environment);
  const isBareName = !expanded.includes('/') && !expanded.includes('\\');
  if (isBareName || path.isAbsolute(expanded) || environment.workspaceFolder === undefined) {
    return expanded;
  }
  return path.join(environment.workspaceFolder, expanded);
}

/** The command that starts the server: `digdag.server.path`, else `<pythonPath> -m diglsp`. */
export function serverCommand(get: Lookup, environment: Environment): ServerCommand {
  const explicit = get(SETTING.serverPath);
  let command: string[];
  if (typeof explicit === 'string') {
    command = explicit.trim() ? [explicit] : [];
  } else {
    command = strings(explicit, SETTING.serverPath);
  }
  if (command.length > 0 && !command[0].trim()) {
    throw new SettingError(`The first item of \`${SETTING.serverPath}\` must name an executable.`);
  }
  if (command.length === 0) {
    const python = get(SETTING.pythonPath);
    if (python !== undefined && python !== null && typeof python !== 'string') {
      throw new SettingError(`\`${SETTING.pythonPath}\` must be a string.`);
    }
    command = [python?.trim() ? python : DEFAULT_PYTHON, '-m', SERVER_MODULE];
  }
  const extra = strings(get(SETTING.serverArgs), SETTING.serverArgs);
  return {
    command: resolveExecutable(command[0], environment),
    args: [...command.slice(1), ...extra].map((arg) => expand(arg, environment)),
  };
}

/** `command` and `args` as one shell-like line, for messages. */
export function describeCommand({ command, args }: ServerCommand): string {
  return [command, ...args].map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : JSON.stringify(part))).join(' ');
}

function count(value: unknown, one: string, many: string): string {
  const n = typeof value === 'number' ? value : 0;
  return `${n} ${n === 1 ? one : many}`;
}

/** The server's answer to `diglsp.lintWorkspace` (`{files, errors, warnings}`) as a sentence. */
export function describeLintSummary(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null || !('files' in result)) {
    return undefined;
  }
  const { files, errors, warnings } = result as Record<string, unknown>;
  return (
    `diglint: ${count(files, 'file', 'files')} checked, ${count(errors, 'error', 'errors')}, ` +
    `${count(warnings, 'warning', 'warnings')}.`
  );
}

function ruleIds(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function flag(value: unknown): boolean {
  return typeof value === 'boolean' ? value : true;
}

/** The options sent with `initialize`; unusable values fall back to the defaults. */
export function initializationOptions(get: Lookup): InitializationOptions {
  const select = get(SETTING.lintSelect);
  const debounce = get(SETTING.lintDebounceMs);
  return {
    lint: {
      select: Array.isArray(select) ? ruleIds(select) : null,
      ignore: ruleIds(get(SETTING.lintIgnore)),
      debounceMs:
        typeof debounce === 'number' && Number.isFinite(debounce) && debounce >= 0
          ? Math.round(debounce)
          : DEFAULT_DEBOUNCE_MS,
    },
    inlayHints: {
      schedule: flag(get(SETTING.inlayHintsSchedule)),
      values: flag(get(SETTING.inlayHintsValues)),
    },
  };
}

/** Crash bookkeeping: restart at most `maxRestarts` times within any `windowMs`. */
export class RestartPolicy {
  private crashes: number[] = [];

  constructor(
    readonly maxRestarts = 5,
    readonly windowMs = 3 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a crash; true when the server should be started again. */
  crashed(): boolean {
    const time = this.now();
    this.crashes = this.crashes.filter((crash) => time - crash < this.windowMs);
    this.crashes.push(time);
    return this.crashes.length <= this.maxRestarts;
  }

  /** Crashes within the window, as counted by the last `crashed()`. */
  get recentCrashes(): number {
    return this.crashes.length;
  }

  /** Forgets earlier crashes (after the user restarts the server). */
  reset(): void {
    this.crashes = [];
  }
}
