/**
 * The simulator's seeded Octopus dataset, in the resource shapes of the Octopus REST API
 * (https://octopus.com/docs/octopus-rest-api; field names as the API returns them). Ids are
 * instance-wide counters (`Projects-7` is unique across spaces), as on a real server.
 */
import type { Random } from '../../../src/http/clock.js';
import { seededRandom } from '../../../src/testing/prng.js';

type Links = Record<string, string>;

export interface OctopusSpace {
  Id: string;
  Name: string;
  Slug: string;
  Description: string | null;
  IsDefault: boolean;
  IsPrivate: boolean;
  TaskQueueStopped: boolean;
  SpaceManagersTeams: string[];
  SpaceManagersTeamMembers: string[];
  LastModifiedOn: string;
  Links: Links;
}

export interface OctopusProject {
  Id: string;
  SpaceId: string;
  Name: string;
  Slug: string;
  Description: string;
  IsDisabled: boolean;
  ProjectGroupId: string;
  LifecycleId: string;
  TenantedDeploymentMode: 'Untenanted' | 'TenantedOrUntenanted' | 'Tenanted';
  DefaultGuidedFailureMode: string;
  AutoCreateRelease: boolean;
  IsVersionControlled: boolean;
  VariableSetId: string;
  DeploymentProcessId: string;
  Links: Links;
}

export interface OctopusRelease {
  Id: string;
  SpaceId: string;
  ProjectId: string;
  Version: string;
  ChannelId: string;
  ReleaseNotes: string | null;
  Assembled: string;
  IgnoreChannelRules: boolean;
  BuildInformation: unknown[];
  SelectedPackages: unknown[];
  Links: Links;
}

export interface OctopusDeployment {
  Id: string;
  SpaceId: string;
  ProjectId: string;
  ReleaseId: string;
  ChannelId: string;
  EnvironmentId: string;
  TenantId: string | null;
  TaskId: string;
  Name: string;
  Created: string;
  DeployedBy: string;
  DeployedById: string | null;
  FailureEncountered: boolean;
  Comments: string | null;
  Links: Links;
}

export interface OctopusMachine {
  Id: string;
  SpaceId: string;
  Name: string;
  Slug: string;
  EnvironmentIds: string[];
  Roles: string[];
  TenantedDeploymentParticipation: string;
  IsDisabled: boolean;
  MachinePolicyId: string;
  HealthStatus: 'Healthy' | 'Unhealthy' | 'HasWarnings' | 'Unavailable';
  StatusSummary: string;
  IsInProcess: boolean;
  OperatingSystem: string;
  Architecture: string;
  Endpoint: { CommunicationStyle: string; DeploymentTargetTypeId: string; Uri: string | null };
  Links: Links;
}

/** The upstream dataset; routes read it at request time, so a test may edit it between syncs. */
export interface OctopusData {
  spaces: OctopusSpace[];
  projects: OctopusProject[];
  releases: OctopusRelease[];
  deployments: OctopusDeployment[];
  machines: OctopusMachine[];
}

/** Size knobs (`SimulatorOptions.size`). */
export interface OctopusSize {
  /** @default 2 */
  spaces: number;
  /** @default 8 */
  projectsPerSpace: number;
  /**
   * Most releases a project has. The first project of each space has exactly this many (above the
   * default `maxHistory` of 100, so the cap and its warning are exercised), the second none (an
   * empty collection), the others 0..this many. @default 130
   */
  releasesPerProject: number;
  /** Each release has 0..this many deployments. @default 2 */
  deploymentsPerRelease: number;
  /** @default 4 */
  machinesPerSpace: number;
}

export const DEFAULT_SIZE: OctopusSize = {
  spaces: 2,
  projectsPerSpace: 8,
  releasesPerProject: 130,
  deploymentsPerRelease: 2,
  machinesPerSpace: 4,
};

const ENVIRONMENTS = ['Development', 'Test', 'Production'];
const WORDS = ['billing', 'catalog', 'checkout', 'identity', 'search', 'payments', 'reports', 'gateway'];
const ROLES = ['web-server', 'app-server', 'db-server', 'worker'];
const HEALTH: OctopusMachine['HealthStatus'][] = ['Healthy', 'Healthy', 'HasWarnings', 'Unhealthy'];
/** A fixed origin so the data (and a catalog synced from it) is the same on every run. */
const EPOCH = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;

/** Octopus writes offsets as `+00:00` with milliseconds, e.g. `2024-08-21T16:17:46.750+00:00`. */
const octopusDate = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');
const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const upTo = (random: Random, max: number) => Math.floor(random() * (max + 1));

/**
 * Generate the dataset for `seed` and `size`.
 * @example const data = generateData(1, { ...DEFAULT_SIZE, spaces: 1 });
 */
export function generateData(seed: number, size: OctopusSize): OctopusData {
  const random = seededRandom(seed);
  const data: OctopusData = { spaces: [], projects: [], releases: [], deployments: [], machines: [] };
  let taskNumber = 1000;
  for (let s = 1; s <= size.spaces; s++) {
    const spaceId = `Spaces-${s}`;
    const spaceName = s === 1 ? 'Default' : `Team ${String.fromCharCode(64 + s)}`;
    data.spaces.push({
      Id: spaceId,
      Name: spaceName,
      Slug: spaceName.toLowerCase().replace(/\s+/g, '-'),
      Description: s === 1 ? null : `Space for ${spaceName}`,
      IsDefault: s === 1,
      IsPrivate: false,
      TaskQueueStopped: false,
      SpaceManagersTeams: ['teams-administrators', `teams-spacemanagers-${spaceId}`],
      SpaceManagersTeamMembers: [],
      LastModifiedOn: octopusDate(EPOCH),
      Links: {
        Self: `/api/spaces/${spaceId}`,
        SpaceHome: `/api/${spaceId}`,
        Web: `/app#/spaces/${spaceId}`,
      },
    });
    for (let p = 0; p < size.projectsPerSpace; p++) {
      const projectId = `Projects-${data.projects.length + 1}`;
      const name = `${pick(random, WORDS)} ${data.projects.length + 1}`;
      const channelId = `Channels-${data.projects.length + 1}`;
      data.projects.push({
        Id: projectId,
        SpaceId: spaceId,
        Name: name,
        Slug: name.replace(/\s+/g, '-'),
        Description: `Deploys the ${name} service.`,
        IsDisabled: random() < 0.1,
        ProjectGroupId: `ProjectGroups-${s}`,
        LifecycleId: `Lifecycles-${s}`,
        TenantedDeploymentMode: random() < 0.8 ? 'Untenanted' : 'TenantedOrUntenanted',
        DefaultGuidedFailureMode: 'EnvironmentDefault',
        AutoCreateRelease: false,
        IsVersionControlled: random() < 0.3,
        VariableSetId: `variableset-${projectId}`,
        DeploymentProcessId: `deploymentprocess-${projectId}`,
        Links: {
          Self: `/api/${spaceId}/projects/${projectId}`,
          Releases: `/api/${spaceId}/projects/${projectId}/releases{/version}{?skip,take,searchByVersion}`,
          Web: `/app#/${spaceId}/projects/${projectId}`,
        },
      });
      const releases =
        p === 0 ? size.releasesPerProject : p === 1 ? 0 : upTo(random, size.releasesPerProject);
      let clock = EPOCH + Math.floor(random() * 48) * HOUR;
      for (let r = 1; r <= releases; r++) {
        const releaseId = `Releases-${data.releases.length + 1}`;
        clock += (1 + Math.floor(random() * 72)) * HOUR;
        const assembled = clock;
        data.releases.push({
          Id: releaseId,
          SpaceId: spaceId,
          ProjectId: projectId,
          Version: `1.${Math.floor(r / 10)}.${r % 10}`,
          ChannelId: channelId,
          ReleaseNotes: random() < 0.5 ? null : `Release ${r} of ${name}`,
          Assembled: octopusDate(assembled),
          IgnoreChannelRules: false,
          BuildInformation: [],
          SelectedPackages: [],
          Links: {
            Self: `/api/${spaceId}/releases/${releaseId}`,
            Project: `/api/${spaceId}/projects/${projectId}`,
            Deployments: `/api/${spaceId}/releases/${releaseId}/deployments{?skip,take}`,
            Web: `/app#/${spaceId}/releases/${releaseId}`,
          },
        });
        const deployments = upTo(random, size.deploymentsPerRelease);
        for (let d = 0; d < deployments; d++) {
          const deploymentId = `Deployments-${data.deployments.length + 1}`;
          const environment = d % ENVIRONMENTS.length;
          const taskId = `ServerTasks-${taskNumber++}`;
          data.deployments.push({
            Id: deploymentId,
            SpaceId: spaceId,
            ProjectId: projectId,
            ReleaseId: releaseId,
            ChannelId: channelId,
            EnvironmentId: `Environments-${environment + 1}`,
            TenantId: null,
            TaskId: taskId,
            Name: `Deploy to ${ENVIRONMENTS[environment]}`,
            Created: octopusDate(assembled + (d + 1) * 600_000),
            DeployedBy: random() < 0.5 ? 'System' : 'jane.doe',
            DeployedById: null,
            FailureEncountered: random() < 0.15,
            Comments: null,
            Links: {
              Self: `/api/${spaceId}/deployments/${deploymentId}`,
              Release: `/api/${spaceId}/releases/${releaseId}`,
              Project: `/api/${spaceId}/projects/${projectId}`,
              Task: `/api/tasks/${taskId}`,
              Web: `/app#/${spaceId}/deployments/${deploymentId}`,
            },
          });
        }
      }
    }
    for (let m = 0; m < size.machinesPerSpace; m++) {
      const machineId = `Machines-${data.machines.length + 1}`;
      const name = `${pick(random, ['web', 'app', 'db', 'worker'])}-${data.machines.length + 1}`;
      const health = pick(random, HEALTH);
      const listening = random() < 0.6;
      data.machines.push({
        Id: machineId,
        SpaceId: spaceId,
        Name: name,
        Slug: name,
        EnvironmentIds: [`Environments-${1 + (m % ENVIRONMENTS.length)}`],
        Roles: [pick(random, ROLES)],
        TenantedDeploymentParticipation: 'Untenanted',
        IsDisabled: random() < 0.1,
        MachinePolicyId: 'MachinePolicies-1',
        HealthStatus: health,
        StatusSummary:
          health === 'Healthy'
            ? 'Octopus was able to successfully establish a connection with this machine.'
            : 'There was a problem communicating with this machine.',
        IsInProcess: false,
        OperatingSystem: listening ? 'Microsoft Windows Server 2022' : 'Ubuntu 22.04',
        Architecture: 'x64',
        Endpoint: listening
          ? {
              CommunicationStyle: 'TentaclePassive',
              DeploymentTargetTypeId: 'TentaclePassive',
              Uri: `https://${name}.internal:10933/`,
            }
          : { CommunicationStyle: 'Ssh', DeploymentTargetTypeId: 'Ssh', Uri: null },
        Links: {
          Self: `/api/${spaceId}/machines/${machineId}`,
          Connection: `/api/${spaceId}/machines/${machineId}/connection`,
        },
      });
    }
  }
  return data;
}

/** Newest first, as Octopus lists releases and deployments. */
export const newestFirst = <T>(list: T[], at: (item: T) => string): T[] =>
  [...list].sort((a, b) => Date.parse(at(b)) - Date.parse(at(a)));
