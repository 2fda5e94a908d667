// A site connection's key: what pacing, metrics and the checkpoint know the site by.

/**
 * `acme.atlassian.net` for `https://acme.atlassian.net`; with the path for the gateway form
 * scoped tokens use (`api.atlassian.com/ex/jira/<cloudId>`), so that gateway sites stay apart.
 */
export function siteKeyOf(baseUrl: string): string {
  const url = new URL(baseUrl);
  return `${url.host}${url.pathname.replace(/\/+$/, '')}`;
}
