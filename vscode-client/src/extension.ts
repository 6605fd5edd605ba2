/** Entry point: activate wires the modules together and starts the server; deactivate stops it. */
import * as vscode from 'vscode';

import { registerCommands } from './commands';
import { RulescopeServer, watchServerSettings } from './server';
import { SigmaLanguageDetector } from './sigmaLanguage';
import { IndexStatusBar } from './statusBar';

let server: RulescopeServer | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('rulescope', { log: true });
  const version = String((context.extension.packageJSON as { version?: unknown }).version);
  output.info(`rulescope ${version} activating`);

  server = new RulescopeServer(output);
  const statusBar = new IndexStatusBar(output);
  context.subscriptions.push(
    output,
    server,
    statusBar,
    new SigmaLanguageDetector(output),
    watchServerSettings(server, () => void statusBar.refresh()),
    ...registerCommands({ server, statusBar, output }),
  );

  void statusBar.refresh();
  await server.start();
  output.info('rulescope activated');
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
