/** The commands the extension contributes, wired to the server, the status bar and the views. */
import * as vscode from 'vscode';

import { buildIndex } from './buildIndex';
import { CoverageView } from './coverage';
import { ConversionPreview, showSimilarRules } from './ruleAids';
import type { RulescopeServer } from './server';
import { type IndexStatusBar, SHOW_OUTPUT_COMMAND } from './statusBar';
import { techniqueArgument } from './technique';

export interface CommandDependencies {
  readonly server: RulescopeServer;
  readonly statusBar: IndexStatusBar;
  readonly output: vscode.LogOutputChannel;
}

export function registerCommands(deps: CommandDependencies): vscode.Disposable[] {
  const coverage = new CoverageView(deps.output);
  const conversion = new ConversionPreview(deps.server, deps.output);
  const register = vscode.commands.registerCommand;

  // Not `rulescope.similarRules` or `rulescope.convertRule`: vscode-languageclient registers the
  // server's own command ids when it starts, and a second registration of an id fails.
  return [
    vscode.Disposable.from(coverage, conversion),
    // A code lens passes the technique id; the palette passes nothing, a menu a URI.
    register('rulescope.showCoverage', (technique?: unknown) =>
      coverage.show(techniqueArgument(technique)),
    ),
    register('rulescope.showSimilarRules', () => showSimilarRules(deps.server, deps.output)),
    register('rulescope.previewConversion', () => conversion.show()),
    register('rulescope.buildIndex', async () => {
      if (await buildIndex(deps.output)) {
        // The server opened the old index file; a new process reads the new one.
        await deps.server.restart('index rebuilt');
        await deps.statusBar.refresh();
      }
    }),
    register('rulescope.restartServer', async () => {
      await deps.server.restart('requested by the user');
      await deps.statusBar.refresh();
    }),
    register(SHOW_OUTPUT_COMMAND, () => {
      deps.output.show(true);
    }),
  ];
}
