// How a simulated site answers where docs/site-audit-apis.md leaves the API open, and the ways it may
// misbehave. Defaults follow the documented or observed behaviour; each misbehaviour is off.
export interface SiteSettings {
  /** A record exactly at `from`/`to` (`startDate`/`endDate`) is returned, as both APIs document. */
  inclusiveBounds: boolean;
  /** Jira `total`: the whole site log, as observed, or (for a reader who expects it) the records matching the request. */
  totalMode: 'log' | 'matching';
  /** Added to Jira's `total`, which is then wrong by this much (never below 0). */
  totalSkew: number;
  /** Records appended to a log after each page of it is served, as if created between two requests. */
  arrivalsBetweenPages: number;
  /** Audit requests a minute per site, both products together, before 429; 0 is no limit. */
  requestsPerMinute: number;
  /** What Jira does with `limit` above 1000: answer 400 or serve 1000. */
  jiraOverLimit: 'reject' | 'clamp';
  /** The most Confluence serves a page; a larger `limit` is cut to it and the body says so. */
  confluenceMaxLimit: number;
  /** The site's products are on Free plans: every audit request answers 403 with the plan message. */
  freePlan: boolean;
}

export const SITE_DEFAULTS: SiteSettings = {
  inclusiveBounds: true,
  totalMode: 'log',
  totalSkew: 0,
  arrivalsBetweenPages: 0,
  requestsPerMinute: 0,
  jiraOverLimit: 'reject',
  confluenceMaxLimit: 1000,
  freePlan: false,
};

const isWhole = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Why the settings in `body` are unusable, if they are. */
export function siteSettingsError(body: Record<string, unknown>): string | undefined {
  for (const name of ['inclusiveBounds', 'freePlan'] as const) {
    if (body[name] !== undefined && typeof body[name] !== 'boolean') return `${name} must be true or false`;
  }
  for (const name of ['arrivalsBetweenPages', 'requestsPerMinute'] as const) {
    if (body[name] !== undefined && !isWhole(body[name])) return `${name} must be a whole number >= 0`;
  }
  if (body.totalMode !== undefined && body.totalMode !== 'log' && body.totalMode !== 'matching') return 'totalMode must be log or matching';
  if (body.totalSkew !== undefined && !(typeof body.totalSkew === 'number' && Number.isSafeInteger(body.totalSkew)))
    return 'totalSkew must be a whole number';
  if (body.jiraOverLimit !== undefined && body.jiraOverLimit !== 'reject' && body.jiraOverLimit !== 'clamp')
    return 'jiraOverLimit must be reject or clamp';
  if (body.confluenceMaxLimit !== undefined && !(isWhole(body.confluenceMaxLimit) && body.confluenceMaxLimit >= 1))
    return 'confluenceMaxLimit must be a whole number >= 1';
  return undefined;
}

/** `current` with what `body` sets; call after `siteSettingsError` found nothing. */
export function withSiteSettings(current: SiteSettings, body: Partial<Record<keyof SiteSettings, unknown>>): SiteSettings {
  const next = { ...current };
  for (const name of Object.keys(SITE_DEFAULTS) as (keyof SiteSettings)[]) {
    if (body[name] !== undefined) (next as Record<string, unknown>)[name] = body[name];
  }
  return next;
}
