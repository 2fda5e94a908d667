// Seeded Jira and Confluence site audit records in the shapes of docs/site-audit-apis.md §1.3 and §2.3,
// modelled on the sanitized real records in elastic/integrations' pipeline fixtures.
import { seededRandom, uuid, type Random } from './generate';

export type Product = 'jira' | 'confluence';

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function hex(random: Random, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

const PEOPLE = ['Priya Raman', 'Tom Okafor', 'Lena Fischer', 'Diego Alvarez', 'Mei Chen', 'Sam Taylor', 'Aisha Bello', 'Jonas Berg'];
const IPS = ['203.0.113.7', '198.51.100.23', '192.0.2.144', '203.0.113.201', '198.51.100.9'];
const GROUPS = ['jira-software-users', 'confluence-users', 'jira-servicemanagement-users', 'site-admins', 'administrators'];
const PROJECTS = ['Support', 'Change Control', 'Platform', 'Mobile', 'Website'];
const SPACES = [
  ['Service Catalogue', 'SC'],
  ['Engineering', 'ENG'],
  ['Human Resources', 'HR'],
  ['Product Docs', 'DOCS'],
] as const;
const IDP_DIRECTORY = 'com.atlassian.crowd.directory.IdentityPlatformRemoteDirectory';

/** A person's stable identifiers, derived from their index so that every record names them alike. */
function person(index: number) {
  const ids = seededRandom(index + 7000);
  return {
    name: PEOPLE[index % PEOPLE.length]!,
    accountId: index % 2 === 0 ? hex(ids, 24) : `712020:${uuid(ids)}`,
    userKey: `ug:${uuid(ids)}`,
    confluenceUserKey: hex(ids, 32),
  };
}

/** Jira's `created`: milliseconds and a numeric offset without a colon, as real records carry it. */
export function jiraTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '+0000');
}

type Json = Record<string, unknown>;

function jiraUserItem(random: Random, directory: string): Json {
  const id = `ug:${uuid(random)}`;
  return { id, name: id, typeName: 'USER', parentId: '10000', parentName: directory };
}

/** The part of a Jira record that varies by kind of event; the author and times are added around it. */
function jiraEvent(random: Random): { system: boolean; body: Json } {
  const kind = Math.floor(random() * 7);
  if (kind === 0) {
    const user = jiraUserItem(random, 'IDP Directory');
    return {
      system: random() < 0.5,
      body: {
        summary: 'User created',
        category: 'user management',
        objectItem: user,
        changedValues: [{ fieldName: 'Active / Inactive', changedTo: 'Active' }],
        associatedItems: [user],
      },
    };
  }
  if (kind === 1 || kind === 2) {
    return {
      system: true,
      body: {
        summary: kind === 1 ? 'User added to group' : 'User removed from group',
        category: 'group management',
        objectItem: { name: pick(random, GROUPS), typeName: 'GROUP', parentId: '10000', parentName: IDP_DIRECTORY },
        associatedItems: [jiraUserItem(random, IDP_DIRECTORY)],
      },
    };
  }
  if (kind === 3) {
    const name = `Software workflow for project ${10000 + Math.floor(random() * 40)}`;
    return {
      system: false,
      body: { summary: 'Workflow updated', category: 'workflows', objectItem: { id: name, name, typeName: 'WORKFLOW' } },
    };
  }
  if (kind === 4) {
    const project = { id: String(10000 + Math.floor(random() * 40)), name: pick(random, PROJECTS), typeName: 'PROJECT' };
    return {
      system: false,
      body: {
        summary: 'Customer permissions changed',
        category: 'projects',
        description: 'Update who can access the portal and send requests',
        objectItem: project,
        changedValues: [
          { fieldName: 'Customer access', changedFrom: 'Anyone with an account', changedTo: 'Customers my team adds to the project' },
        ],
        associatedItems: [project],
      },
    };
  }
  if (kind === 5) {
    return {
      system: false,
      body: {
        summary: 'Permission scheme updated',
        category: 'permissions',
        objectItem: {
          id: String(10000 + Math.floor(random() * 20)),
          name: `${pick(random, PROJECTS)}: Simplified Permission Scheme`,
          typeName: 'SCHEME',
        },
      },
    };
  }
  const user = jiraUserItem(random, IDP_DIRECTORY);
  return {
    system: false,
    body: { summary: "User's password changed", category: 'user management', objectItem: user, associatedItems: [user] },
  };
}

/** One Jira record, keys in the order the API sends them. */
export function makeJiraRecord(params: { random: Random; id: number; createdMs: number }): Json {
  const { random } = params;
  const { system, body } = jiraEvent(random);
  const author = person(Math.floor(random() * PEOPLE.length));
  const { summary, ...rest } = body;
  return {
    id: params.id,
    summary,
    ...(system ? {} : { remoteAddress: pick(random, IPS), authorKey: author.userKey, authorAccountId: author.accountId }),
    created: jiraTimestamp(params.createdMs),
    category: rest.category,
    eventSource: '',
    ...rest,
  };
}

const SYSTEM_AUTHOR = {
  type: 'user',
  displayName: 'System',
  operations: null,
  isExternalCollaborator: false,
  accountType: '',
  publicName: 'Unknown user',
  externalCollaborator: false,
};

function confluenceAuthor(random: Random): Json {
  const p = person(Math.floor(random() * PEOPLE.length));
  return {
    type: 'user',
    displayName: p.name,
    operations: null,
    isExternalCollaborator: false,
    username: p.accountId,
    userKey: p.confluenceUserKey,
    accountId: p.accountId,
    accountType: '',
    publicName: 'Unknown user',
    externalCollaborator: false,
  };
}

const changed = (name: string, newValue: string, oldValue = '') => ({ name, oldValue, newValue, hiddenOldValue: '', hiddenNewValue: '' });

function confluenceEvent(random: Random): { system: boolean; body: Json } {
  const kind = Math.floor(random() * 6);
  const [space, spaceKey] = pick(random, SPACES);
  const group = `${pick(random, GROUPS)}:${uuid(random)}`;
  if (kind === 0 || kind === 1) {
    return {
      system: false,
      body: {
        summary: kind === 0 ? 'Space created' : 'Space configuration updated',
        category: 'Spaces',
        affectedObject: { name: space, objectType: 'Space' },
        changedValues: [
          changed('Space type', 'global'),
          changed('Space status', 'CURRENT'),
          changed('Name', space),
          changed('Space key', spaceKey),
        ],
        associatedObjects: [],
      },
    };
  }
  if (kind === 2) {
    return {
      system: false,
      body: {
        summary: 'Space logo uploaded',
        category: 'Spaces',
        affectedObject: { name: space, objectType: 'Space' },
        changedValues: [],
        associatedObjects: [],
      },
    };
  }
  if (kind === 3) {
    return {
      system: true,
      body: {
        summary: 'User added to group',
        category: 'Users and groups',
        affectedObject: { name: group, objectType: 'Group' },
        changedValues: [],
        associatedObjects: [{ name: pick(random, PEOPLE), objectType: 'User' }],
      },
    };
  }
  if (kind === 4) {
    const name = pick(random, PEOPLE);
    return {
      system: true,
      body: {
        summary: 'User created',
        category: 'Users and groups',
        affectedObject: { name, objectType: 'User' },
        changedValues: [changed('Display name', name), changed('Email', ''), changed('Active', 'Yes')],
        associatedObjects: [],
      },
    };
  }
  return {
    system: true,
    body: {
      summary: 'Group created',
      category: 'Users and groups',
      affectedObject: { name: group, objectType: 'Group' },
      changedValues: [],
      associatedObjects: [],
    },
  };
}

/** One Confluence record, keys in the order the API sends them. It has no ID. */
export function makeConfluenceRecord(params: { random: Random; createdMs: number }): Json {
  const { random } = params;
  const { system, body } = confluenceEvent(random);
  const { summary, category, ...rest } = body;
  return {
    author: system ? { ...SYSTEM_AUTHOR } : confluenceAuthor(random),
    remoteAddress: pick(random, IPS),
    creationDate: params.createdMs,
    summary,
    description: '',
    category,
    sysAdmin: false,
    superAdmin: false,
    ...rest,
  };
}
