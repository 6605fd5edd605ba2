/**
 * Entry point: activate wires the modules together and starts the server once a Sigma document
 * is open; deactivate stops it.
 */
import * as vscode from 'vscode';

import { registerCommands } from './commands';
import { RulescopeServer, watchServerSettings } from './server';
import { onFirstSigmaDocument, SigmaLanguageDetector } from './sigmaLanguage';
import { IndexStatusBar } from './statusBar';

let server: RulescopeServer | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('rulescope', { log: true });
  const version = String((context.extension.packageJSON as { version?: unknown }).version);
  output.info(`rulescope ${version} activating`);

  const rulescopeServer = new RulescopeServer(output);
  const statusBar = new IndexStatusBar(output);
  server = rulescopeServer;
  context.subscriptions.push(
    output,
    rulescopeServer,
    statusBar,
    new SigmaLanguageDetector(output),
    watchServerSettings(rulescopeServer, () => void statusBar.refresh()),
    ...registerCommands({ server: rulescopeServer, statusBar, output }),
    onFirstSigmaDocument(() => {
      void statusBar.refresh();
      void rulescopeServer.start();
    }),
  );
  output.info('rulescope activated');
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
