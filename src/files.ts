// Output files are written atomically: a temporary file beside the target, then a
// rename, so an interrupted run never leaves a half-written file.
import {
  appendFileSync,
  closeSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from './errors.js';

/** The temporary file beside `path` that this process writes before renaming it. */
export function tempPath(path: string): string {
  return `${path}.tmp-${process.pid}`;
}

export function writeFileAtomic(path: string, text: string): void {
  makeDirectory(dirname(path), `the directory of ${path},`);
  const tmp = tempPath(path);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new InputError('io', `cannot write ${path}: ${reason(err)}`);
  }
}

/**
 * Writes a large file atomically without building it in memory: `produce` hands its bytes
 * to `put` piece by piece; they go to a temporary file that is synced and renamed.
 */
export function writeStreamAtomic(path: string, produce: (put: (bytes: Uint8Array) => void) => void): void {
  makeDirectory(dirname(path), `the directory of ${path},`);
  const tmp = tempPath(path);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    const out = fd;
    produce((bytes) => {
      for (let off = 0; off < bytes.byteLength;) off += writeSync(out, bytes, off, bytes.byteLength - off);
    });
    fsyncSync(out);
    closeSync(out);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    if (err instanceof InputError) throw err;
    throw new InputError('io', `cannot write ${path}: ${reason(err)}`);
  }
}

/** A file read front to back in pieces (large binary files). */
export interface SequentialReader {
  readonly size: number;
  /** The next `n` bytes; undefined when the file ends first. */
  read(n: number): Buffer | undefined;
  close(): void;
}

export function openSequential(path: string, what: string): SequentialReader {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new InputError('io', `cannot read ${what} ${path}: ${reason(err)}`);
  }
  let open = true;
  return {
    size: fstatSync(fd).size,
    read(n) {
      const buf = Buffer.alloc(n);
      let got = 0;
      while (got < n) {
        const k = readSync(fd, buf, got, n - got, null);
        if (k === 0) return undefined;
        got += k;
      }
      return buf;
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/** An errno error as words ("permission denied"), else its message. */
function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOTDIR: 'a path component is a file, not a directory',
    ENOENT: 'no such file or directory (or it cannot be created there)',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EISDIR: 'is a directory',
  };
  return (code !== undefined ? words[code] : undefined) ?? (err as Error).message;
}

/**
 * Creates directory `dir` and its missing parents one level at a time (Node's recursive
 * mkdir spins below /proc), or fails with one line naming the path and why. Returns the
 * directories created, outermost first.
 */
export function makeDirectory(dir: string, what: string): string[] {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(at).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new InputError('io', `${what} ${dir} cannot be created: ${reason(err)}`);
      missing.push(at);
      const up = dirname(at);
      if (up === at) break;
      at = up;
      continue;
    }
    if (!isDir)
      throw new InputError('io', `${what} ${dir} cannot be created: ${at} is a file, not a directory`);
    break;
  }
  const created: string[] = [];
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
      created.push(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new InputError('io', `${what} ${dir} cannot be created: ${reason(err)}`);
    }
  }
  return created;
}

/** Removes directories made by makeDirectory that are still empty (a run refused after all). */
export function removeEmptyDirectories(dirs: readonly string[]): void {
  for (const d of [...dirs].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      return;
    }
  }
}

/** True when process `pid` is alive (signal 0 probes without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporary files `NAME.tmp-PID` left in `dir` by processes that are gone (killed
 * during a save); only those whose NAME passes `owns`. Returns the files removed.
 */
export function removeStaleTemps(dir: string, owns: (name: string) => boolean): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = /^(.*)\.tmp-(\d+)$/.exec(name);
    if (m === null || !owns(m[1] as string) || Number(m[2]) === process.pid || alive(Number(m[2]))) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(join(dir, name));
  }
  return removed;
}

/**
 * Makes sure output can be written at `path` before a long run: for 'dir', the directory
 * exists (created if missing) and accepts a file; for 'file', its directory does and a
 * file can be created beside it (the temporary file of an atomic write). One-line
 * InputError otherwise. Stale temporary files of dead processes are removed. Returns the
 * directories created (for removeEmptyDirectories when the run is refused later).
 */
export function prepareOutput(path: string, kind: 'file' | 'dir', what: string): string[] {
  checkOutputPath(path, kind, what);
  const dir = kind === 'dir' ? path : dirname(path);
  const created = makeDirectory(dir, kind === 'dir' ? what : `the directory of ${what} ${path},`);
  removeStaleTemps(dir, (name) =>
    kind === 'dir' ? name.endsWith('.json') || name === '.foliocheck-probe' : name === basename(path),
  );
  const probe = tempPath(kind === 'dir' ? join(dir, '.foliocheck-probe') : path);
  try {
    writeFileSync(probe, '');
  } catch (err) {
    throw new InputError('io', `${what} ${path} cannot be written: ${reason(err)}`);
  } finally {
    rmSync(probe, { force: true });
  }
  return created;
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
