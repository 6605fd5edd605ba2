/**
 * "rulescope: Show similar rules" and "rulescope: Preview conversion": the server's
 * `rulescope.similarRules` and `rulescope.convertRule` commands on the open Sigma rule, shown as
 * a quick pick of rules to open and as a read-only document per backend.
 */
import * as vscode from 'vscode';

import {
  CONVERT_RULE_COMMAND,
  conversionErrorMessage,
  conversionItem,
  conversionPath,
  conversionText,
  parseConversions,
} from './conversions';
import type { RulescopeServer } from './server';
import { SIGMA_LANGUAGE } from './sigmaLanguage';
import {
  SIMILAR_RULES_COMMAND,
  noSimilarRulesMessage,
  parseSimilarRules,
  similarRuleItem,
} from './similarRules';

/** The scheme of the conversion previews, served from memory by {@link ConversionPreview}. */
export const CONVERSION_SCHEME = 'rulescope-conversion';

/** The Sigma rule in the active editor, else in a visible one (a webview may have focus). */
function sigmaDocument(): vscode.TextDocument | undefined {
  const active = vscode.window.activeTextEditor?.document;
  if (active?.languageId === SIGMA_LANGUAGE) {
    return active;
  }
  const visible = vscode.window.visibleTextEditors.find(
    (editor) => editor.document.languageId === SIGMA_LANGUAGE,
  );
  if (visible === undefined) {
    void vscode.window.showInformationMessage('rulescope: open a Sigma rule first');
  }
  return visible?.document;
}

function fileName(uri: vscode.Uri): string {
  return uri.path.split('/').pop() ?? uri.path;
}

/** The server command's answer for the document, or undefined after saying what failed. */
async function askServer(
  server: RulescopeServer,
  output: vscode.LogOutputChannel,
  command: string,
  document: vscode.TextDocument,
): Promise<unknown> {
  const what = command === CONVERT_RULE_COMMAND ? 'conversion' : 'similar rules';
  const title = `rulescope: ${what} of ${fileName(document.uri)}`;
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title },
      () => server.executeCommand(command, [document.uri.toString()]),
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    output.error(`${command} ${document.uri.toString()} failed: ${reason}`);
    void vscode.window.showErrorMessage(`${title} failed: ${reason}`);
    return undefined;
  }
}

/** "Show similar rules": the closest rules in a quick pick; the one chosen opens. */
export async function showSimilarRules(
  server: RulescopeServer,
  output: vscode.LogOutputChannel,
): Promise<void> {
  const document = sigmaDocument();
  if (document === undefined) {
    return;
  }
  const answer = await askServer(server, output, SIMILAR_RULES_COMMAND, document);
  if (answer === undefined) {
    return; // askServer has shown why (no index, server not running)
  }
  const rules = parseSimilarRules(answer);
  const name = fileName(document.uri);
  if (rules.length === 0) {
    void vscode.window.showInformationMessage(noSimilarRulesMessage(name));
    return;
  }

  const picked = await vscode.window.showQuickPick(rules.map(similarRuleItem), {
    title: `rulescope: rules similar to ${name}`,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (picked?.uri !== undefined) {
    await vscode.window.showTextDocument(vscode.Uri.parse(picked.uri), { preview: true });
  }
}

/** "Preview conversion": a backend picked, its queries in a read-only document beside. */
export class ConversionPreview implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly server: RulescopeServer,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.disposables = [
      vscode.workspace.registerTextDocumentContentProvider(CONVERSION_SCHEME, this),
      vscode.workspace.onDidCloseTextDocument((closed) => this.texts.delete(closed.uri.toString())),
    ];
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  async show(): Promise<void> {
    const document = sigmaDocument();
    if (document === undefined) {
      return;
    }
    const answer = await askServer(this.server, this.output, CONVERT_RULE_COMMAND, document);
    const conversions = parseConversions(answer);
    if (answer === undefined || conversions.length === 0) {
      return;
    }

    const name = fileName(document.uri);
    const items = conversions.map((conversion) => ({ ...conversionItem(conversion), conversion }));
    const picked = await vscode.window.showQuickPick(items, {
      title: `rulescope: convert ${name}`,
      matchOnDescription: true,
    });
    if (picked === undefined) {
      return;
    }
    if (picked.conversion.error !== '') {
      void vscode.window.showWarningMessage(conversionErrorMessage(picked.conversion, name));
      return;
    }

    const uri = vscode.Uri.from({
      scheme: CONVERSION_SCHEME,
      path: conversionPath(name, picked.conversion),
      query: document.uri.toString(),
    });
    this.texts.set(uri.toString(), conversionText(picked.conversion));
    // An open preview of the same rule and backend shows the new text.
    this.changed.fire(uri);
    const preview = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(preview, {
      viewColumn: vscode.ViewColumn.Beside,
      preview: true,
    });
  }

  dispose(): void {
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
    this.changed.dispose();
  }
}
