/**
 * The simulator's seeded dataset: projects, users and issues with the field values of Jira Cloud
 * REST v3 (developer.atlassian.com/cloud/jira/platform/rest/v3). Origin-dependent fields (`self`,
 * avatar URLs) are added when a response is rendered, so the data does not depend on the port.
 */
import type { Random } from '../../../src/http/clock.js';
import { seededRandom } from '../../../src/testing/prng.js';

export interface JiraUser {
  accountId: string;
  displayName: string;
  emailAddress: string;
  timeZone: string;
}

export interface JiraProject {
  id: string;
  key: string;
  name: string;
  projectTypeKey: 'software' | 'business' | 'service_desk';
  style: 'classic' | 'next-gen';
  isPrivate: boolean;
  uuid: string;
  category?: { id: string; name: string; description: string };
}

export interface StatusDef {
  id: string;
  name: string;
  category: { id: number; key: 'new' | 'indeterminate' | 'done'; colorName: string; name: string };
}

export interface IssueTypeDef {
  id: string;
  name: string;
  description: string;
  subtask: boolean;
  hierarchyLevel: number;
}

export interface PriorityDef {
  id: string;
  name: string;
}

export interface JiraIssue {
  id: string;
  key: string;
  projectKey: string;
  summary: string;
  status: StatusDef;
  issuetype: IssueTypeDef;
  priority: PriorityDef;
  assignee: JiraUser | null;
  reporter: JiraUser;
  labels: string[];
  /** Epoch ms. */
  created: number;
  /** Epoch ms, >= created. */
  updated: number;
  /** The parent issue's key (subtasks only). */
  parentKey?: string;
}

export interface JiraData {
  projects: JiraProject[];
  users: JiraUser[];
  issues: JiraIssue[];
}

export interface DataSize {
  /** @default 12 */
  projects?: number;
  /** Each project gets 0..this many issues. @default 30 */
  issuesPerProject?: number;
}

// Jira Cloud's default workflow statuses and their categories (GET /rest/api/3/statuscategory).
export const STATUSES: StatusDef[] = [
  {
    id: '10000',
    name: 'To Do',
    category: { id: 2, key: 'new', colorName: 'blue-gray', name: 'To Do' },
  },
  {
    id: '3',
    name: 'In Progress',
    category: { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' },
  },
  { id: '10001', name: 'Done', category: { id: 3, key: 'done', colorName: 'green', name: 'Done' } },
];

const ISSUE_TYPES: IssueTypeDef[] = [
  {
    id: '10001',
    name: 'Task',
    description: 'A small, distinct piece of work.',
    subtask: false,
    hierarchyLevel: 0,
  },
  { id: '10002', name: 'Bug', description: 'A problem or error.', subtask: false, hierarchyLevel: 0 },
  { id: '10003', name: 'Story', description: 'A user-facing feature.', subtask: false, hierarchyLevel: 0 },
  { id: '10004', name: 'Epic', description: 'A large body of work.', subtask: false, hierarchyLevel: 1 },
];
const SUBTASK: IssueTypeDef = {
  id: '10005',
  name: 'Subtask',
  description: 'A small piece of work that is part of a larger task.',
  subtask: true,
  hierarchyLevel: -1,
};

const PRIORITIES: PriorityDef[] = [
  { id: '1', name: 'Highest' },
  { id: '2', name: 'High' },
  { id: '3', name: 'Medium' },
  { id: '4', name: 'Low' },
  { id: '5', name: 'Lowest' },
];

const PROJECT_WORDS = [
  'Platform',
  'Mobile',
  'Billing',
  'Search',
  'Identity',
  'Payments',
  'Growth',
  'Data',
  'Infra',
  'Support',
  'Design',
  'Marketing',
  'Security',
  'Analytics',
  'Website',
  'Onboarding',
];
const CATEGORIES = [
  { id: '10000', name: 'Engineering', description: 'Product engineering teams' },
  { id: '10001', name: 'Business', description: 'Business teams' },
];
const FIRST = ['Ada', 'Grace', 'Linus', 'Margaret', 'Alan', 'Barbara', 'Ken', 'Frances', 'Dennis', 'Radia'];
const LAST = ['Lovelace', 'Hopper', 'Torvalds', 'Hamilton', 'Turing', 'Liskov', 'Thompson', 'Allen'];
const ZONES = ['Europe/London', 'America/New_York', 'Australia/Sydney', 'Asia/Tokyo', 'Europe/Berlin'];
const VERBS = ['Fix', 'Add', 'Remove', 'Refactor', 'Document', 'Investigate', 'Speed up', 'Migrate'];
const THINGS = ['login flow', 'invoice export', 'search index', 'API rate limits', 'dark mode', 'audit log'];
const LABELS = ['backend', 'frontend', 'tech-debt', 'customer', 'security', 'performance'];

// Issues were created in the two years before this instant, so the data does not move with the clock.
const EPOCH = Date.UTC(2025, 0, 15, 9, 30);
const DAY = 86_400_000;

const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const hex = (random: Random, length: number) =>
  Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join('');

/**
 * A reproducible dataset for a seed and size.
 * @example const data = generateJiraData(1, { projects: 3, issuesPerProject: 5 });
 */
export function generateJiraData(seed: number, size: DataSize = {}): JiraData {
  const random = seededRandom(seed);
  const users: JiraUser[] = FIRST.map((first, i) => {
    const last = LAST[i % LAST.length] ?? 'User';
    return {
      // Atlassian account ids are opaque; 24 hex digits like the older format (557058:… is the other one).
      accountId: hex(random, 24),
      displayName: `${first} ${last}`,
      emailAddress: `${first.toLowerCase()}.${last.toLowerCase()}@example.com`,
      timeZone: pick(random, ZONES),
    };
  });

  const projects: JiraProject[] = [];
  const keys = new Set<string>();
  for (let i = 0; i < (size.projects ?? 12); i++) {
    const word = PROJECT_WORDS[i % PROJECT_WORDS.length] ?? 'Project';
    const round = Math.floor(i / PROJECT_WORDS.length);
    let key = word.slice(0, 4).toUpperCase() + (round > 0 ? String(round + 1) : '');
    while (keys.has(key)) key += 'X';
    keys.add(key);
    const style = random() < 0.3 ? 'next-gen' : 'classic';
    const type = random();
    projects.push({
      id: String(10000 + i),
      key,
      name: round > 0 ? `${word} ${round + 1}` : word,
      projectTypeKey: type < 0.6 ? 'software' : type < 0.85 ? 'business' : 'service_desk',
      style,
      isPrivate: false,
      uuid: `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}`,
      category: random() < 0.5 ? pick(random, CATEGORIES) : undefined,
    });
  }

  const issues: JiraIssue[] = [];
  let nextId = 10000;
  for (const project of projects) {
    const count = Math.floor(random() * ((size.issuesPerProject ?? 30) + 1));
    const inProject: JiraIssue[] = [];
    for (let n = 1; n <= count; n++) {
      const parent = inProject.length > 0 && random() < 0.2 ? pick(random, inProject) : undefined;
      const created = EPOCH - Math.floor(random() * 730 * DAY);
      const labels = LABELS.filter(() => random() < 0.2);
      const issue: JiraIssue = {
        id: String(nextId++),
        key: `${project.key}-${n}`,
        projectKey: project.key,
        summary: `${pick(random, VERBS)} ${pick(random, THINGS)}`,
        status: pick(random, STATUSES),
        issuetype: parent ? SUBTASK : pick(random, ISSUE_TYPES),
        priority: pick(random, PRIORITIES),
        assignee: random() < 0.25 ? null : pick(random, users),
        reporter: pick(random, users),
        labels,
        created,
        updated: created + Math.floor(random() * (EPOCH - created)),
        parentKey: parent?.key,
      };
      // Subtasks hang under a standard issue, never under another subtask.
      if (!parent) inProject.push(issue);
      issues.push(issue);
    }
  }
  return { projects, users, issues };
}
