/**
 * Launching `python -m rulescope serve` over stdio with vscode-languageclient, after checking
 * that rulescope imports in the chosen interpreter; restarting it when the interpreter or the
 * index changes, and forwarding the other settings as `workspace/didChangeConfiguration`.
 */
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  ResponseError,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';

import { checkImportable, importFailureMessage, type Interpreter } from './interpreter';
import { onPythonInterpreterChange, discoverInterpreter } from './pythonEnvironment';
import { RESTART_SETTINGS, serverSettingsPayload, type RulescopeSettings } from './serverSettings';
import { SECTION, openInterpreterSetting, readSettings } from './settings';

export type ServerState = 'stopped' | 'starting' | 'running' | 'not-installed' | 'failed';

const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: 'sigma' },
  { scheme: 'untitled', language: 'sigma' },
];

function serverOptions(python: string, settings: RulescopeSettings): ServerOptions {
  // --log-level is an option of the top-level parser, so it goes before the subcommand.
  const verbose =
    vscode.workspace.getConfiguration(SECTION).get<string>('trace.server') === 'verbose';
  // -P keeps the workspace folder (the server's working directory) off the import path, so
  // no module of the opened folder can stand in for rulescope's own.
  const args = ['-P', '-m', 'rulescope', ...(verbose ? ['--log-level', 'DEBUG'] : []), 'serve'];
  if (settings.indexPath) {
    args.push('--index', settings.indexPath);
  }
  // No `transport`: with TransportKind.stdio the client appends `--stdio`, which `serve` lacks;
  // an Executable without one talks over stdin/stdout all the same.
  return { command: python, args };
}

let ruleFileWatcher: vscode.FileSystemWatcher | undefined;

/** One watcher for the session: the server keeps workspace rules current from its events. */
function ruleFiles(): vscode.FileSystemWatcher {
  ruleFileWatcher ??= vscode.workspace.createFileSystemWatcher('**/*.{yml,yaml}');
  return ruleFileWatcher;
}

function clientOptions(
  settings: RulescopeSettings,
  output: vscode.LogOutputChannel,
): LanguageClientOptions {
  return {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel: output,
    synchronize: { fileEvents: ruleFiles() },
    initializationOptions: serverSettingsPayload(settings),
    middleware: {
      workspace: {
        // Answer `workspace/configuration` for our section in the payload's shape, not raw.
        configuration: async (params, token, next) => {
          const defaults: unknown = await next(params, token);
          if (defaults instanceof ResponseError) {
            return defaults;
          }
          const values: unknown[] = Array.isArray(defaults) ? defaults : [];
          const payload = serverSettingsPayload(readSettings()).rulescope;
          return params.items.map((item, i) => (item.section === SECTION ? payload : values[i]));
        },
      },
    },
  };
}

export class RulescopeServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  readonly onDidChangeState = this.stateEmitter.event;
  state: ServerState = 'stopped';
  interpreter: Interpreter | undefined;

  constructor(private readonly output: vscode.LogOutputChannel) {}

  start(): Promise<void> {
    return this.enqueue(() => this.startNow());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.stopNow());
  }

  restart(reason: string): Promise<void> {
    return this.enqueue(async () => {
      this.output.info(`restarting the server: ${reason}`);
      await this.stopNow();
      await this.startNow();
    });
  }

  /** Send the current settings to a running server. */
  async notifySettings(): Promise<void> {
    if (this.client?.isRunning() !== true) {
      return;
    }
    const settings = serverSettingsPayload(readSettings());
    await this.client.sendNotification(DidChangeConfigurationNotification.type, { settings });
  }

  /**
   * Run one of the server's `workspace/executeCommand` commands (e.g. `rulescope.convertRule`),
   * once a start in progress has finished; rejects when the server is not running.
   */
  async executeCommand(command: string, args: unknown[]): Promise<unknown> {
    await this.queue.catch(() => undefined);
    const client = this.client;
    if (client?.isRunning() !== true) {
      throw new Error(`the rulescope server is not running (${this.state})`);
    }
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
  }

  dispose(): void {
    void this.stop();
    this.stateEmitter.dispose();
  }

  /** Start/stop run one at a time, so a burst of setting changes cannot start two servers. */
  private enqueue(task: () => Promise<void>): Promise<void> {
    this.queue = this.queue.catch(() => undefined).then(task);
    return this.queue;
  }

  private setState(state: ServerState): void {
    this.state = state;
    this.stateEmitter.fire(state);
  }

  private async startNow(): Promise<void> {
    this.setState('starting');
    const settings = readSettings();
    const interpreter = await discoverInterpreter(settings, this.output);
    this.interpreter = interpreter;
    this.output.info(`interpreter '${interpreter.path}' (from ${interpreter.source})`);

    const check = await checkImportable(interpreter.path);
    const failure = importFailureMessage(interpreter.path, check);
    if (failure !== undefined) {
      this.reportImportFailure(failure, check.ok ? '' : check.detail);
      return;
    }

    const client = new LanguageClient(
      'rulescope',
      'rulescope',
      serverOptions(interpreter.path, settings),
      clientOptions(settings, this.output),
    );
    this.client = client;
    await this.startClient(client);
  }

  private async startClient(client: LanguageClient): Promise<void> {
    const started = Date.now();
    try {
      await client.start();
      this.output.info(`server started in ${Date.now() - started} ms`);
      this.setState('running');
    } catch (error) {
      this.output.error(`server failed to start: ${String(error)}`);
      this.setState('failed');
    }
  }

  private reportImportFailure(message: string, detail: string): void {
    this.output.error(message);
    if (detail) {
      this.output.error(detail);
    }
    this.setState('not-installed');

    const openSettings = 'Open Settings';
    void vscode.window.showErrorMessage(message, openSettings).then((choice) => {
      if (choice === openSettings) {
        void openInterpreterSetting();
      }
    });
  }

  private async stopNow(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop(5000);
      } catch (error) {
        this.output.warn(`server did not stop cleanly: ${String(error)}`);
      }
    }
    this.setState('stopped');
  }
}

/**
 * Restart on interpreter/index changes, on trust being granted and on a new Python extension
 * interpreter; send every other `rulescope.*` change as a notification.
 */
export function watchServerSettings(
  server: RulescopeServer,
  onRestart: () => void,
): vscode.Disposable {
  // A server not started yet (no Sigma document open) starts later with the new settings.
  const restart = (reason: string): void => {
    if (server.state !== 'stopped') {
      void server.restart(reason).then(onRestart);
    }
  };
  const disposables: vscode.Disposable[] = [
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (RESTART_SETTINGS.some((setting) => event.affectsConfiguration(setting))) {
        restart('interpreter or index setting changed');
      } else if (event.affectsConfiguration(SECTION)) {
        void server.notifySettings();
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      restart('workspace trusted');
    }),
  ];

  void onPythonInterpreterChange(() => {
    if (server.interpreter?.source !== 'setting') {
      restart('Python extension interpreter changed');
    }
  }).then((disposable) => {
    if (disposable) {
      disposables.push(disposable);
    }
  });
  return new vscode.Disposable(() => {
    for (const disposable of disposables) {
      void disposable.dispose();
    }
  });
}
