// The CLI's exit codes: the one table that code returns and help prints.

export const EXIT = { ok: 0, failed: 1, usage: 2, problemsFound: 3, notFound: 4 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_DESCRIPTIONS: Record<keyof typeof EXIT, string> = {
  ok: 'success',
  failed: 'the operation failed (a run failed, Temporal unreachable)',
  usage: 'bad input (unknown command or option, rules file, worker environment, encryption keys)',
  problemsFound: 'verify found missing, duplicate or malformed events',
  notFound: 'no such rule or backfill',
};

/** `Exit codes:` and one line per code, for help texts. */
export function exitCodesText(): string {
  const rows = (Object.keys(EXIT) as Array<keyof typeof EXIT>).map((name) => `  ${EXIT[name]}  ${EXIT_DESCRIPTIONS[name]}`);
  return ['Exit codes:', ...rows].join('\n');
}
