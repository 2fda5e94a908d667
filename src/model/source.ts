// Which source a connection reads, and how operators see it named. Pure, shared by workflows,
// activities and the CLI.
import type { ConnectionSpec, SourceKind } from './types';

export function sourceKindOf(connection: ConnectionSpec): SourceKind {
  return connection.source ?? 'org';
}

const TITLES: Record<SourceKind, string> = { org: 'Atlassian org', 'jira-site': 'Jira site', 'confluence-site': 'Confluence site' };

/** What the connection reads, without its name: `Atlassian org`, `Jira site` or `Confluence site`. */
export const sourceTitle = (connection: ConnectionSpec) => TITLES[sourceKindOf(connection)];

/** `Atlassian org <uuid>`, `Jira site <host>` or `Confluence site <host>`. */
export const sourceLabel = (connection: ConnectionSpec) => `${sourceTitle(connection)} ${connection.orgId}`;
