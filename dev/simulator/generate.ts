// Realistic, seeded audit events in the shapes of ../shared/atlassian-api.md §2.5 and §8.

export type Random = () => number;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function hex(random: Random, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

export function uuid(random: Random): string {
  const h = hex(random, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Math.floor(random() * 4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const PEOPLE = [
  ['Priya Raman', 'priya.raman'],
  ['Tom Okafor', 'tom.okafor'],
  ['Lena Fischer', 'lena.fischer'],
  ['Diego Alvarez', 'diego.alvarez'],
  ['Mei Chen', 'mei.chen'],
  ['Sam Taylor', 'sam.taylor'],
  ['Aisha Bello', 'aisha.bello'],
  ['Jonas Berg', 'jonas.berg'],
  ['Noa Levi', 'noa.levi'],
  ['Ravi Iyer', 'ravi.iyer'],
] as const;

const GROUPS = [
  'jira-software-users-acme',
  'confluence-users-acme',
  'jira-servicemanagement-users',
  'org-admins',
  'site-admins',
  'administrators',
];

const LOCATIONS = [
  { ip: '203.0.113.7', countryName: 'Australia', regionName: 'New South Wales', city: 'Sydney' },
  { ip: '198.51.100.23', countryName: 'United States', regionName: 'Texas', city: 'Austin' },
  { ip: '192.0.2.144', countryName: 'Germany', regionName: 'Berlin', city: 'Berlin' },
  { ip: '203.0.113.201', countryName: 'Japan', regionName: 'Tokyo', city: 'Tokyo' },
  { ip: '198.51.100.9', countryName: 'United Kingdom', regionName: 'England', city: 'London' },
];

const ACTIONS: Array<{
  action: string;
  message: (actor: string, target: string, group: string) => string;
  context: 'user' | 'user+group' | 'group' | 'site' | 'none';
}> = [
  { action: 'user_login', message: (a) => `${a} logged in`, context: 'none' },
  { action: 'user_logout', message: (a) => `${a} logged out`, context: 'none' },
  { action: 'user_login_failed', message: (a) => `Failed login for ${a}`, context: 'none' },
  { action: 'user_added_to_group', message: (_a, t, g) => `Added ${t} to ${g}`, context: 'user+group' },
  { action: 'user_removed_from_group', message: (_a, t, g) => `Removed ${t} from ${g}`, context: 'user+group' },
  { action: 'user_logged_in_as_user', message: (_a, t) => `Logged in as ${t}`, context: 'user' },
  { action: 'user_created', message: (_a, t) => `Created account for ${t}`, context: 'user' },
  { action: 'twosv_disabled_for_user', message: (_a, t) => `Disabled two-step verification for ${t}`, context: 'user' },
  { action: 'group_created', message: (_a, _t, g) => `Created group ${g}`, context: 'group' },
  { action: 'user_granted_role', message: (_a, t) => `Granted a role to ${t}`, context: 'user' },
  { action: 'api_token_created', message: (a) => `${a} created an API token`, context: 'none' },
  { action: 'org_settings_update', message: () => 'Updated organization settings', context: 'none' },
  {
    action: 'confluence_audit_record_removed_content_restriction',
    message: () => 'Confluence removed content restriction on acme',
    context: 'site',
  },
  { action: 'marketplace_app_installed', message: () => 'Installed an app', context: 'site' },
];

export interface EventIdentity {
  orgId: string;
  siteId: string;
}

function accountId(random: Random, index: number): string {
  return index % 2 === 0 ? `712020:${uuid(seededRandom(index + 1000))}` : hex(seededRandom(index + 2000), 24);
}

function formatTime(ms: number, withFraction: boolean): string {
  const iso = new Date(ms).toISOString();
  return withFraction ? iso : iso.replace(/\.\d{3}Z$/, 'Z');
}

/** One event with the given timestamps; `time` is given in both formats the API is seen to use. */
export function makeEvent(params: { random: Random; org: EventIdentity; timeMs: number; processedAtMs: number }) {
  const { random, org } = params;
  const id = uuid(random);
  const base = `https://api.atlassian.com/admin/v1/orgs/${org.orgId}`;
  const spec = pick(random, ACTIONS);
  const actorIndex = Math.floor(random() * PEOPLE.length);
  const targetIndex = Math.floor(random() * PEOPLE.length);
  const [actorName, actorLogin] = PEOPLE[actorIndex]!;
  const [targetName, targetLogin] = PEOPLE[targetIndex]!;
  const group = pick(random, GROUPS);
  const site = {
    id: org.siteId,
    type: 'sites',
    attributes: { siteHostName: 'https://acme.atlassian.net', siteName: 'acme' },
    links: { alt: 'https://acme.atlassian.net' },
  };
  const roll = random();

  let actor: Record<string, unknown>;
  let location: Record<string, unknown> | undefined = { ...pick(random, LOCATIONS) };
  if (spec.context === 'site' && roll < 0.5) {
    actor = { id: 'confluence', name: 'Confluence', email: 'Atlassian app', picture: null, links: {} };
    location = roll < 0.25 ? undefined : { geo: pick(random, ['EU', 'NA', 'APAC']) };
  } else {
    const id = accountId(random, actorIndex);
    actor = { id, name: actorName, email: `${actorLogin}@acme.example`, links: { self: `${base}/users/${id}` } };
    if (roll < 0.15) actor.auth = { authType: 'api-token', tokenId: uuid(random), tokenLabel: 'automation' };
    else if (roll < 0.2) actor.onBehalfOf = { id: accountId(random, targetIndex), name: targetName };
  }

  const userObject = () => {
    const uid = accountId(random, targetIndex);
    return {
      id: uid,
      type: 'users',
      attributes: { name: targetName, email: `${targetLogin}@acme.example`, accountType: 'atlassian' },
      links: { alt: `https://acme.atlassian.net/jira/people/${uid}` },
    };
  };
  const groupObject = () => {
    const gid = uuid(random);
    return {
      id: gid,
      type: 'groups',
      attributes: { name: group, groupName: group },
      links: { alt: `https://admin.atlassian.com/o/${org.orgId}/groups/${gid}` },
    };
  };
  const context =
    spec.context === 'user'
      ? [userObject()]
      : spec.context === 'user+group'
        ? [userObject(), groupObject()]
        : spec.context === 'group'
          ? [groupObject()]
          : spec.context === 'site'
            ? [{ id: org.siteId, type: 'sites', attributes: { siteName: 'acme' } }]
            : [];
  const container =
    spec.action === 'org_settings_update'
      ? [{ id: org.orgId, type: 'orgs', attributes: { name: 'Acme Corp', settingName: 'sessionDuration', settingValues: ['8h'] } }]
      : random() < 0.1
        ? []
        : [site];

  const attributes: Record<string, unknown> = {
    time: formatTime(params.timeMs, random() < 0.6),
    processedAt: new Date(params.processedAtMs).toISOString(),
    action: spec.action,
    actor,
    context,
    container,
  };
  if (location) attributes.location = location;
  return {
    id,
    type: 'events',
    attributes,
    links: { self: `${base}/events/${id}` },
    message: { content: spec.message(actorName, targetName, group), format: 'simple' },
  };
}

export type SimEvent = ReturnType<typeof makeEvent>;

/** Processing lag: usually under a few seconds, rarely minutes (the late events events-stream exists for). */
export function processingLagMs(random: Random, lateFraction: number): number {
  if (random() < lateFraction) return 60_000 + Math.floor(random() * 30 * 60_000);
  return Math.floor(random() * 3_000);
}
