/**
 * Jira Cloud REST v3 JSON shapes (developer.atlassian.com/cloud/jira/platform/rest/v3): Project,
 * User, IssueBean with `fields` limited to the requested ones, as the API returns them.
 */
import type {
  IssueTypeDef,
  JiraData,
  JiraIssue,
  JiraProject,
  JiraUser,
  PriorityDef,
  StatusDef,
} from './data.js';

const API = '/rest/api/3';

function avatarUrls(origin: string, kind: 'project' | 'user', id: string): Record<string, string> {
  const base = `${origin}/rest/api/3/universal_avatar/view/type/${kind}/avatar/${id}`;
  return Object.fromEntries(['48x48', '24x24', '16x16', '32x32'].map((s) => [s, `${base}?size=${s}`]));
}

/** A user as embedded in issues and returned by /myself (emailAddress depends on privacy settings). */
export function renderUser(origin: string, user: JiraUser): Record<string, unknown> {
  return {
    self: `${origin}${API}/user?accountId=${user.accountId}`,
    accountId: user.accountId,
    emailAddress: user.emailAddress,
    avatarUrls: avatarUrls(origin, 'user', user.accountId),
    displayName: user.displayName,
    active: true,
    timeZone: user.timeZone,
    accountType: 'atlassian',
  };
}

/** A project as listed by GET /rest/api/3/project/search. */
export function renderProject(origin: string, p: JiraProject): Record<string, unknown> {
  return {
    expand: 'description,lead,issueTypes,url,projectKeys,permissions,insight',
    self: `${origin}${API}/project/${p.id}`,
    id: p.id,
    key: p.key,
    name: p.name,
    avatarUrls: avatarUrls(origin, 'project', p.id),
    ...(p.category && {
      projectCategory: { self: `${origin}${API}/projectCategory/${p.category.id}`, ...p.category },
    }),
    projectTypeKey: p.projectTypeKey,
    simplified: p.style === 'next-gen',
    style: p.style,
    isPrivate: p.isPrivate,
    properties: {},
    uuid: p.uuid,
  };
}

function renderStatus(origin: string, s: StatusDef): Record<string, unknown> {
  return {
    self: `${origin}${API}/status/${s.id}`,
    description: '',
    iconUrl: `${origin}/`,
    name: s.name,
    id: s.id,
    statusCategory: { self: `${origin}${API}/statuscategory/${s.category.id}`, ...s.category },
  };
}

function renderIssueType(origin: string, t: IssueTypeDef): Record<string, unknown> {
  return {
    self: `${origin}${API}/issuetype/${t.id}`,
    id: t.id,
    description: t.description,
    iconUrl: `${origin}${API}/universal_avatar/view/type/issuetype/avatar/${t.id}?size=medium`,
    name: t.name,
    subtask: t.subtask,
    avatarId: Number(t.id),
    hierarchyLevel: t.hierarchyLevel,
  };
}

function renderPriority(origin: string, p: PriorityDef): Record<string, unknown> {
  return {
    self: `${origin}${API}/priority/${p.id}`,
    iconUrl: `${origin}/images/icons/priorities/${p.name.toLowerCase()}.svg`,
    name: p.name,
    id: p.id,
  };
}

/** Jira's timestamp format: `2024-03-05T14:22:11.123+0000`. */
export function jiraDate(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** Every field the simulator knows, by id; `*all` and `*navigable` select them all. */
function allFields(origin: string, data: JiraData, issue: JiraIssue): Record<string, unknown> {
  const project = data.projects.find((p) => p.key === issue.projectKey);
  const parent = issue.parentKey ? data.issues.find((i) => i.key === issue.parentKey) : undefined;
  return {
    summary: issue.summary,
    status: renderStatus(origin, issue.status),
    issuetype: renderIssueType(origin, issue.issuetype),
    project: project && {
      self: `${origin}${API}/project/${project.id}`,
      id: project.id,
      key: project.key,
      name: project.name,
      projectTypeKey: project.projectTypeKey,
      simplified: project.style === 'next-gen',
      avatarUrls: avatarUrls(origin, 'project', project.id),
    },
    assignee: issue.assignee && renderUser(origin, issue.assignee),
    reporter: renderUser(origin, issue.reporter),
    creator: renderUser(origin, issue.reporter),
    created: jiraDate(issue.created),
    updated: jiraDate(issue.updated),
    priority: renderPriority(origin, issue.priority),
    labels: issue.labels,
    resolutiondate: issue.status.category.key === 'done' ? jiraDate(issue.updated) : null,
    ...(parent && {
      parent: {
        id: parent.id,
        key: parent.key,
        self: `${origin}${API}/issue/${parent.id}`,
        fields: {
          summary: parent.summary,
          status: renderStatus(origin, parent.status),
          priority: renderPriority(origin, parent.priority),
          issuetype: renderIssueType(origin, parent.issuetype),
        },
      },
    }),
  };
}

/**
 * The `fields` query parameter (repeated and/or comma separated): field ids, `*all`, `*navigable`,
 * and `-id` to exclude. Search/jql's default is no fields at all: only id, key and self come back.
 */
export function parseFieldsParam(values: string[]): (name: string) => boolean {
  const items = values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  const all = items.includes('*all') || items.includes('*navigable');
  const include = new Set(items.filter((i) => !i.startsWith('-') && !i.startsWith('*')));
  const exclude = new Set(items.filter((i) => i.startsWith('-')).map((i) => i.slice(1)));
  return (name) => !exclude.has(name) && (all || include.has(name));
}

/** True when the request asks for nothing beyond id/key, which Jira pages in larger chunks. */
export function onlyKeys(wanted: (name: string) => boolean): boolean {
  return !['summary', 'status', 'issuetype', 'project', 'assignee', 'reporter', 'labels'].some(wanted);
}

/** An IssueBean with only the requested fields (Jira omits `fields` entirely when none are). */
export function renderIssue(
  origin: string,
  data: JiraData,
  issue: JiraIssue,
  wanted: (name: string) => boolean,
): Record<string, unknown> {
  const fields = Object.fromEntries(
    Object.entries(allFields(origin, data, issue)).filter(([name]) => wanted(name)),
  );
  return {
    expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
    id: issue.id,
    self: `${origin}${API}/issue/${issue.id}`,
    key: issue.key,
    ...(Object.keys(fields).length > 0 && { fields }),
  };
}
