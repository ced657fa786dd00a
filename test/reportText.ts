// Reading the plain-text reports in tests: the replay commands they print.

/** The replay commands a text report prints, with `t=` variables substituted. */
export function textReplayPaths(text: string): string[] {
  let t = '';
  const paths: string[] = [];
  for (const line of text.split('\n')) {
    const set = /^\s*t=(\S+)$/.exec(line);
    if (set !== null) t = set[1] ?? '';
    const cmd = /^\s*npx foliocheck replay (\S+)$/.exec(line);
    if (cmd !== null) paths.push((cmd[1] ?? '').replace('$t', t));
  }
  return paths;
}
