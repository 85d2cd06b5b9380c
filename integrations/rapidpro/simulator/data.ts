import type { Random } from '../../../src/http/clock.js';
import { seededRandom } from '../../../src/testing/prng.js';

/**
 * Seeded RapidPro workspace data in the API v2 shapes documented at /api/v2/flows, /api/v2/groups
 * and /api/v2/contacts (rapidpro/rapidpro temba/api/v2/views.py). Fields the API never shows
 * (`is_active`, initializing groups) are kept to exercise the endpoint filters.
 */

export interface Ref {
  uuid: string;
  name: string;
}

export interface Flow {
  uuid: string;
  name: string;
  type: 'message' | 'voice' | 'survey' | 'background';
  archived: boolean;
  labels: Ref[];
  expires: number;
  runs: { active: number; completed: number; interrupted: number; expired: number };
  results: { key: string; name: string; categories: string[]; node_uuids: string[] }[];
  parent_refs: string[];
  created_on: string;
  modified_on: string;
  /** Deleted flows are not listed (FlowsEndpoint excludes is_active=False). */
  is_active: boolean;
}

export interface Group {
  uuid: string;
  name: string;
  query: string | null;
  /** `initializing` groups are never listed (GroupsEndpoint excludes them). */
  status: 'initializing' | 'evaluating' | 'ready';
  system: boolean;
  count: number;
  created_on: string;
}

export interface Contact {
  uuid: string;
  name: string | null;
  status: 'active' | 'blocked' | 'stopped' | 'archived';
  language: string | null;
  urns: string[];
  groups: Ref[];
  fields: Record<string, string | number | null>;
  flow: Ref | null;
  created_on: string;
  modified_on: string;
  last_seen_on: string | null;
  /** Deleted contacts are listed only with `deleted=true`. */
  is_active: boolean;
}

export interface Workspace {
  flows: Flow[];
  groups: Group[];
  contacts: Contact[];
}

export interface WorkspaceSize {
  /** @default 30 */
  flows?: number;
  /** User groups besides the four system groups. @default 12 */
  groups?: number;
  /** @default 600 */
  contacts?: number;
}

const FLOW_TYPES: Flow['type'][] = ['message', 'message', 'message', 'voice', 'survey', 'background'];
const FLOW_WORDS = [
  'Registration',
  'Survey',
  'Reminder',
  'Opt-In',
  'Feedback',
  'Check-In',
  'Quiz',
  'Referral',
];
const GROUP_WORDS = ['Reporters', 'Farmers', 'Youth', 'Volunteers', 'Nurses', 'Teachers', 'Donors', 'Pilot'];
const FIRST = ['Ben', 'Amina', 'Jean', 'Grace', 'Eric', 'Fatuma', 'Joseph', 'Aline', 'Moses', 'Diane'];
const LAST = ['Haggerty', 'Uwase', 'Mugisha', 'Okello', 'Niyonzima', 'Achieng', 'Kamau', 'Habimana'];
const LANGUAGES = ['eng', 'fra', 'kin', 'swa', null];
const STATUSES: Contact['status'][] = [
  'active',
  'active',
  'active',
  'active',
  'blocked',
  'stopped',
  'archived',
];
const START = Date.UTC(2023, 0, 1);
const DAY = 86_400_000;

/** The API's datetime format: UTC with microseconds (`2016-10-13T11:54:32.525277Z`). */
export function apiDate(ms: number, micros = 0): string {
  return `${new Date(ms).toISOString().slice(0, -1)}${String(micros % 1000).padStart(3, '0')}Z`;
}

function uuid4(random: Random): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((Math.floor(random() * 4) + 8) as number).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const int = (random: Random, max: number) => Math.floor(random() * max);

/** Created some time in 2023–2024, modified later, both with microseconds. */
function timestamps(random: Random): { created: string; modified: string; modifiedMs: number } {
  const createdMs = START + int(random, 600) * DAY + int(random, DAY);
  const modifiedMs = createdMs + int(random, 200) * DAY + int(random, DAY);
  return {
    created: apiDate(createdMs, int(random, 1000)),
    modified: apiDate(modifiedMs, int(random, 1000)),
    modifiedMs,
  };
}

/**
 * A workspace for `seed`: four system groups, `groups` user groups (one of them still initializing),
 * `flows` flows (some deleted) and `contacts` contacts (some deleted) in those groups.
 * @example const ws = makeWorkspace(1, { contacts: 40 });
 */
export function makeWorkspace(seed: number, size: WorkspaceSize = {}): Workspace {
  const random = seededRandom(seed);
  const groups: Group[] = ['Active', 'Blocked', 'Stopped', 'Archived'].map((name) => ({
    uuid: uuid4(random),
    name,
    query: null,
    status: 'ready',
    system: true,
    count: 0,
    created_on: apiDate(START - DAY, int(random, 1000)),
  }));
  const userGroups = size.groups ?? 12;
  for (let i = 0; i < userGroups; i++) {
    const smart = random() < 0.3;
    groups.push({
      uuid: uuid4(random),
      name: `${pick(random, GROUP_WORDS)} ${i + 1}`,
      query: smart ? `age > ${18 + int(random, 30)}` : null,
      // The last user group is still being built: the API hides it.
      status:
        i === userGroups - 1 && userGroups > 1
          ? 'initializing'
          : smart && random() < 0.3
            ? 'evaluating'
            : 'ready',
      system: false,
      count: 0,
      created_on: timestamps(random).created,
    });
  }

  const flows: Flow[] = [];
  for (let i = 0; i < (size.flows ?? 30); i++) {
    const { created, modified } = timestamps(random);
    const resultCount = int(random, 3);
    flows.push({
      uuid: uuid4(random),
      name: `${pick(random, FLOW_WORDS)} ${i + 1}`,
      type: pick(random, FLOW_TYPES),
      archived: random() < 0.15,
      labels: random() < 0.4 ? [{ uuid: uuid4(random), name: random() < 0.5 ? 'Important' : 'Pilot' }] : [],
      expires: pick(random, [60, 720, 10080, 43200]),
      runs: {
        active: int(random, 50),
        completed: int(random, 500),
        interrupted: int(random, 10),
        expired: int(random, 40),
      },
      results: Array.from({ length: resultCount }, (_, r) => ({
        key: `result_${r + 1}`,
        name: `Result ${r + 1}`,
        categories: ['Yes', 'No', 'Other'],
        node_uuids: [uuid4(random)],
      })),
      parent_refs: [],
      created_on: created,
      modified_on: modified,
      is_active: random() >= 0.1,
    });
  }

  const listedFlows = flows.filter((f) => f.is_active);
  const joinable = groups.filter((g) => !g.system && g.status !== 'initializing');
  const contacts: Contact[] = [];
  for (let i = 0; i < (size.contacts ?? 600); i++) {
    const { created, modified, modifiedMs } = timestamps(random);
    const member = joinable.filter(() => random() < 0.25);
    const inFlow = listedFlows.length > 0 && random() < 0.2 ? pick(random, listedFlows) : undefined;
    const named = random() < 0.9;
    contacts.push({
      uuid: uuid4(random),
      name: named ? `${pick(random, FIRST)} ${pick(random, LAST)}` : null,
      status: pick(random, STATUSES),
      language: pick(random, LANGUAGES),
      urns: [`tel:+2507${String(80000000 + i).padStart(8, '0')}`],
      groups: member.map((g) => ({ uuid: g.uuid, name: g.name })),
      fields: { nickname: named && random() < 0.5 ? pick(random, FIRST) : null, age: 15 + int(random, 50) },
      flow: inFlow ? { uuid: inFlow.uuid, name: inFlow.name } : null,
      created_on: created,
      modified_on: modified,
      last_seen_on: random() < 0.7 ? apiDate(modifiedMs - int(random, 30) * DAY, int(random, 1000)) : null,
      is_active: random() >= 0.05,
    });
  }
  for (const group of groups) {
    group.count = contacts.filter(
      (c) =>
        c.is_active &&
        (group.system ? c.status === group.name.toLowerCase() : c.groups.some((g) => g.uuid === group.uuid)),
    ).length;
  }
  return { flows, groups, contacts };
}
