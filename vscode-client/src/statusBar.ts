/**
 * The status bar item that shows the corpus index (rules, vendors, age) from
 * `rulescope index stats --json`, and opens the output channel when clicked.
 */
import * as vscode from 'vscode';

import { CliError, runRulescopeJson, withIndex } from './cli';
import { describeStats, type IndexStats, parseIndexStats, summarizeStats } from './indexStats';
import { discoverInterpreter } from './pythonEnvironment';
import { readSettings } from './settings';

export const SHOW_OUTPUT_COMMAND = 'rulescope.showOutput';

/** How often the age is redrawn; the stats themselves are only re-read on refresh(). */
const AGE_REDRAW_MS = 60_000;

export class IndexStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'rulescope.index',
    vscode.StatusBarAlignment.Right,
    100,
  );
  private readonly timer: NodeJS.Timeout;
  private stats: IndexStats | undefined;

  constructor(private readonly output: vscode.LogOutputChannel) {
    this.item.name = 'rulescope index';
    this.item.command = SHOW_OUTPUT_COMMAND;
    this.item.text = '$(database) rulescope';
    this.item.show();
    this.timer = setInterval(() => {
      this.render();
    }, AGE_REDRAW_MS);
  }

  /** Re-read the index stats and redraw. */
  async refresh(): Promise<void> {
    this.item.text = '$(sync~spin) rulescope';
    const settings = readSettings();
    const interpreter = await discoverInterpreter(settings, this.output);
    const args = withIndex(['index', 'stats', '--json'], settings.indexPath || undefined);

    try {
      const json = await runRulescopeJson(interpreter.path, args, { timeoutMs: 30_000 });
      this.stats = parseIndexStats(json);
      if (!this.stats) {
        throw new CliError('index stats printed an unexpected shape');
      }
      this.render();
    } catch (error) {
      this.showProblem(error instanceof Error ? error.message : String(error));
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    this.item.dispose();
  }

  private render(): void {
    if (!this.stats) {
      return;
    }
    this.item.text = `$(database) ${summarizeStats(this.stats, new Date())}`;
    const tooltip = new vscode.MarkdownString(`**rulescope index**\n\n`);
    tooltip.appendText(describeStats(this.stats).join('\n'));
    tooltip.appendMarkdown('\n\nClick to show the rulescope output.');
    this.item.tooltip = tooltip;
    this.item.backgroundColor = undefined;
  }

  private showProblem(reason: string): void {
    this.stats = undefined;
    this.output.warn(`no index stats: ${reason}`);
    this.item.text = '$(warning) rulescope: no index';
    this.item.tooltip = `${reason}\n\nRun "rulescope: Build corpus index". Click for the output.`;
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
  }
}
