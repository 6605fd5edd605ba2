/** Where the shared rule corpus is: RULESCOPE_CORPUS, else `<repo>/../shared/corpus`. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root, from the compiled test at vscode-client/out-test/test/. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export function corpusDir(): string {
  return process.env.RULESCOPE_CORPUS ?? path.resolve(REPO_ROOT, '..', 'shared', 'corpus');
}

/** The text of a corpus file, by its path relative to the corpus root. */
export function readCorpusFile(relativePath: string): string {
  return fs.readFileSync(path.join(corpusDir(), relativePath), 'utf8');
}

/** Every file under `relativeDir` whose name ends with `suffix`. */
export function corpusFiles(relativeDir: string, suffix: string): string[] {
  const root = path.join(corpusDir(), relativeDir);
  const entries = fs.readdirSync(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => path.join(entry.parentPath, entry.name));
}
