/**
 * "rulescope: Build corpus index": runs `rulescope index build` under a cancellable progress
 * notification fed from its stderr, then reports the summary line.
 */
import * as vscode from 'vscode';

import { parseBuildSummary, parseProgressLine } from './buildProgress';
import { lastErrorLine, runRulescope, withIndex } from './cli';
import { discoverInterpreter } from './pythonEnvironment';
import { readSettings } from './settings';

type Progress = vscode.Progress<{ message?: string; increment?: number }>;

/** Turn stderr lines into progress reports; increments are the change in percent. */
function progressReporter(
  progress: Progress,
  output: vscode.LogOutputChannel,
): (line: string) => void {
  let reported = 0;
  return (line) => {
    output.info(`index build: ${line}`);
    const parsed = parseProgressLine(line);
    if (!parsed) {
      return;
    }

    const increment = parsed.percent === undefined ? undefined : parsed.percent - reported;
    if (increment !== undefined && increment > 0) {
      reported = parsed.percent ?? reported;
      progress.report({ message: parsed.message, increment });
    } else {
      progress.report({ message: parsed.message });
    }
  };
}

/** Build the index; resolves true when the build succeeded. */
export async function buildIndex(output: vscode.LogOutputChannel): Promise<boolean> {
  const settings = readSettings();
  const interpreter = await discoverInterpreter(settings, output);
  const args = withIndex(['index', 'build'], settings.indexPath);
  output.info(`running ${interpreter.path} -m rulescope ${args.join(' ')}`);

  const options = {
    location: vscode.ProgressLocation.Notification,
    title: 'rulescope: building the corpus index',
    cancellable: true,
  };
  const result = await vscode.window.withProgress(options, (progress, token) => {
    const abort = new AbortController();
    token.onCancellationRequested(() => {
      abort.abort();
    });
    const onStderrLine = progressReporter(progress, output);
    return runRulescope(interpreter.path, args, { onStderrLine, signal: abort.signal }).catch(
      (error: unknown) => ({ code: null, stdout: '', stderr: String(error) }),
    );
  });

  const summaryLine = result.stderr.split(/\r?\n/).find((line) => parseBuildSummary(line));
  if (result.code === 0) {
    void vscode.window.showInformationMessage(`rulescope: ${summaryLine ?? 'index built'}`);
    return true;
  }
  reportFailure(lastErrorLine(result));
  return false;
}

function reportFailure(reason: string): void {
  const showOutput = 'Show Output';
  void vscode.window
    .showErrorMessage(`rulescope: the index build failed: ${reason}`, showOutput)
    .then((choice) => {
      if (choice === showOutput) {
        void vscode.commands.executeCommand('rulescope.showOutput');
      }
    });
}
