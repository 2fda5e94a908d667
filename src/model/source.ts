// Which source a connection reads, and how operators see it named. Pure, shared by workflows,
// activities and the CLI.
import type { ConnectionSpec, SourceKind } from './types';

export function sourceKindOf(connection: ConnectionSpec): SourceKind {
  return connection.source ?? 'org';
}

/** `Atlassian org <uuid>`, `Jira site <host>` or `Confluence site <host>`. */
export function sourceLabel(connection: ConnectionSpec): string {
  const kind = sourceKindOf(connection);
  if (kind === 'jira-site') return `Jira site ${connection.orgId}`;
  if (kind === 'confluence-site') return `Confluence site ${connection.orgId}`;
  return `Atlassian org ${connection.orgId}`;
}
