// Output files are written atomically: a temporary file beside the target, then a
// rename, so an interrupted run never leaves a half-written file.
import {
  appendFileSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from './errors.js';

export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new InputError('io', `cannot write ${path}: ${(err as Error).message}`);
  }
}

/**
 * Appends to a file someone else owns (a CI job summary): appending is that file's
 * protocol, so it is the one write that is not a temporary file and a rename.
 */
export function appendToFile(path: string, text: string, what: string): void {
  try {
    appendFileSync(path, text);
  } catch (err) {
    throw new InputError('io', `cannot append to ${what} ${path}: ${(err as Error).message}`);
  }
}

export function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new InputError('io', `cannot read ${what} ${path}: ${why}`);
  }
}

/**
 * Checks before a run that `path` can receive output: a file path must not be a directory,
 * a directory path must not be a file. A long search then never ends on an unwritable
 * output named at the start.
 */
export function checkOutputPath(path: string, kind: 'file' | 'dir', what: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    return;
  }
  if (kind === 'file' && isDir) throw new InputError('io', `${what} ${path} is a directory; name a file`);
  if (kind === 'dir' && !isDir) throw new InputError('io', `${what} ${path} is a file; name a directory`);
}
