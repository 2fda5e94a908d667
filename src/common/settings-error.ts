// A setting of this process (an environment variable, or a file one names) is missing, unreadable or
// contradictory. The message names it; the CLI and the worker exit 2 before anything is changed.
// (A rule that needs a human is a Temporal failure instead: see failures.ts.)
export class SettingsError extends Error {}
