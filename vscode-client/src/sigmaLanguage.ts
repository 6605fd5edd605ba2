/**
 * Giving Sigma rules the `sigma` language: YAML documents that match `rulescope.sigmaGlobs`
 * or whose content looks like a Sigma rule are switched with `setTextDocumentLanguage`, so the
 * server sees them and other YAML is left alone. `*.sigma.yml` is `sigma` by contribution.
 */
import * as vscode from 'vscode';

import { looksLikeSigma } from './sigmaDetect';
import { readSettings } from './settings';

export const SIGMA_LANGUAGE = 'sigma';

function matchesSigmaGlobs(document: vscode.TextDocument, globs: readonly string[]): boolean {
  return globs.some((pattern) => vscode.languages.match({ pattern }, document) > 0);
}

export class SigmaLanguageDetector implements vscode.Disposable {
  /** Documents switched once; if the user switches one back to YAML, that choice stands. */
  private readonly switched = new Set<string>();
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly output: vscode.LogOutputChannel) {
    this.disposables = [
      vscode.workspace.onDidOpenTextDocument((document) => void this.check(document)),
      vscode.workspace.onDidSaveTextDocument((document) => void this.check(document)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('rulescope.sigmaGlobs')) {
          this.checkOpenDocuments();
        }
      }),
    ];
    this.checkOpenDocuments();
  }

  checkOpenDocuments(): void {
    vscode.workspace.textDocuments.forEach((document) => void this.check(document));
  }

  dispose(): void {
    for (const disposable of this.disposables) {
      void disposable.dispose();
    }
  }

  private async check(document: vscode.TextDocument): Promise<void> {
    const key = document.uri.toString();
    if (document.languageId !== 'yaml' || this.switched.has(key)) {
      return;
    }

    const globs = readSettings().sigmaGlobs;
    if (!matchesSigmaGlobs(document, globs) && !looksLikeSigma(document.getText())) {
      return;
    }
    this.switched.add(key);
    try {
      await vscode.languages.setTextDocumentLanguage(document, SIGMA_LANGUAGE);
      this.output.info(`'${vscode.workspace.asRelativePath(document.uri)}' is a Sigma rule`);
    } catch (error) {
      this.output.warn(`could not set the Sigma language: ${String(error)}`);
    }
  }
}

/**
 * Call `listener` once, as soon as a Sigma document is open: YAML that is not Sigma also
 * activates the extension, and should not cost a Python process.
 */
export function onFirstSigmaDocument(listener: () => void): vscode.Disposable {
  const isSigma = (document: vscode.TextDocument): boolean =>
    document.languageId === SIGMA_LANGUAGE;
  if (vscode.workspace.textDocuments.some(isSigma)) {
    listener();
    return new vscode.Disposable(() => undefined);
  }

  const subscription = vscode.workspace.onDidOpenTextDocument((document) => {
    if (isSigma(document)) {
      subscription.dispose();
      listener();
    }
  });
  return subscription;
}
