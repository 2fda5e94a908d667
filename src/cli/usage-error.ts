/** The command line itself is wrong (unknown command or option, a missing argument): exit 2. */
export class UsageError extends Error {
  /** @param helpFor the command whose --help the message points to ('' for the list of commands), if not the one that ran. */
  constructor(
    message: string,
    readonly helpFor?: string,
  ) {
    super(message);
  }
}
