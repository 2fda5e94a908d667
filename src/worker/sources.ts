// Every source a worker reads from, over one pacer: the org events stream's client and the site
// audit client, whose requests are paced by org and by site.
import { createAtlassianClient } from '../atlassian/client';
import type { Pacer } from '../atlassian/pacer';
import { orgSource } from '../pipeline/org-source';
import type { AuditSources } from '../pipeline/source';
import { createSiteAuditClient } from '../sites/client';
import { createSiteSource } from '../sites/source';

export function createSources(params: {
  timeoutMs: number;
  pacer: Pacer;
  onResponse?: (response: { orgId: string; status: number | 'error' }) => void;
}): AuditSources {
  const api = createSiteAuditClient(params);
  return {
    org: orgSource(createAtlassianClient(params)),
    'jira-site': createSiteSource({ api, product: 'jira' }),
    'confluence-site': createSiteSource({ api, product: 'confluence' }),
  };
}
