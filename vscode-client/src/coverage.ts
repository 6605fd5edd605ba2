/**
 * "rulescope: Show technique coverage": the technique given (by a code lens on `tags`), else the
 * one under the cursor, else one picked from `rulescope coverage --list --json` (else typed in),
 * rendered by `rulescope coverage T --format html` in a webview.
 */
import * as vscode from 'vscode';

import { lastErrorLine, runRulescope, runRulescopeJson, withIndex } from './cli';
import { discoverInterpreter } from './pythonEnvironment';
import { readSettings } from './settings';
import { isTechniqueId, parseTechniqueList, techniqueAt } from './technique';

function techniqueUnderCursor(): string | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    return undefined;
  }
  const position = editor.selection.active;
  return techniqueAt(editor.document.lineAt(position.line).text, position.character);
}

async function typeTechnique(): Promise<string | undefined> {
  const typed = await vscode.window.showInputBox({
    title: 'rulescope: technique coverage',
    prompt: 'ATT&CK technique id',
    placeHolder: 'T1059.001',
    validateInput: (text) => (isTechniqueId(text) ? undefined : 'Write an id such as T1059.001'),
  });
  return typed?.trim().toUpperCase();
}

async function pickTechnique(python: string, indexPath: string): Promise<string | undefined> {
  let items: vscode.QuickPickItem[];
  try {
    const json = await runRulescopeJson(
      python,
      withIndex(['coverage', '--list', '--json'], indexPath),
    );
    items = parseTechniqueList(json).map((technique) => ({
      label: technique.id,
      ...(technique.name !== undefined && { description: technique.name }),
      ...(technique.rules !== undefined && { detail: `${technique.rules} rules` }),
    }));
  } catch {
    return typeTechnique();
  }

  if (items.length === 0) {
    return typeTechnique();
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: 'rulescope: technique coverage',
    matchOnDescription: true,
  });
  return picked?.label;
}

export class CoverageView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  constructor(private readonly output: vscode.LogOutputChannel) {}

  /** The coverage page of `given`, else of the technique under the cursor or picked. */
  async show(given?: string): Promise<void> {
    const settings = readSettings();
    const interpreter = await discoverInterpreter(settings, this.output);
    const technique =
      given ??
      techniqueUnderCursor() ??
      (await pickTechnique(interpreter.path, settings.indexPath));
    if (technique === undefined) {
      return;
    }

    const args = withIndex(['coverage', technique, '--format', 'html'], settings.indexPath);
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `rulescope: coverage of ${technique}` },
      () => runRulescope(interpreter.path, args, { timeoutMs: 120_000 }),
    );
    if (result.code !== 0) {
      const reason = lastErrorLine(result);
      this.output.error(`coverage ${technique} failed: ${result.stderr}`);
      void vscode.window.showErrorMessage(`rulescope: no coverage for ${technique}: ${reason}`);
      return;
    }
    this.render(technique, result.stdout);
  }

  dispose(): void {
    this.panel?.dispose();
  }

  private render(technique: string, html: string): void {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(
        'rulescope.coverage',
        technique,
        vscode.ViewColumn.Beside,
        { enableScripts: false, enableFindWidget: true },
      );
      this.panel.onDidDispose(() => (this.panel = undefined));
    }
    this.panel.title = `Coverage: ${technique}`;
    this.panel.webview.html = html;
    this.panel.reveal(undefined, true);
  }
}
