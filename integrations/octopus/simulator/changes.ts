/**
 * Simulated changes for `inlet mock octopus --send-webhooks`: a deployment queued, a release's notes
 * edited, in turn. Each edits the simulator's data and returns the subscription delivery Octopus would
 * send: a SubscriptionPayload whose Event carries references (RelatedDocumentIds, SpaceId), not the
 * document (payload shape: octopus.com/docs/administration/managing-infrastructure/subscriptions).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../src/http/clock.js';
import { octopusDelivery } from '../../../src/testing/webhook-sender.js';
import type { SimulatedChange } from '../../registry.js';
import type { OctopusData, OctopusRelease } from './data.js';
import type { SubscriptionState } from './subscriptions.js';

/** The header name the simulator uses when no subscription was registered. */
const DEFAULT_HEADER = 'X-Inlet-Webhook-Secret';
const octopusDate = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');
const number = (id: string) => Number(id.replace(/^\D+-/, '')) || 0;

export function octopusChanges(state: {
  data: OctopusData;
  url: string;
  subscriptions: SubscriptionState;
  clock: Clock;
}): (options?: { secret?: string }) => SimulatedChange {
  const { data } = state;
  let count = 0;
  let last = 0;
  let events = 5000;
  const now = () => {
    last = Math.max(last + 1, state.clock.now());
    return last;
  };

  function deliver(spaceId: string, category: string, related: string[], message: string, secret?: string) {
    const subscription = state.subscriptions.subscriptions.find((s) => s.SpaceId === spaceId);
    const occurred = octopusDate(now());
    const id = `Events-${++events}`;
    const payload = {
      Timestamp: occurred,
      EventType: 'SubscriptionPayload',
      Payload: {
        ServerUri: state.url,
        ServerAuditUri: `${state.url}/app#/${spaceId}/configuration/audit`,
        BatchProcessingDate: occurred,
        Subscription: subscription ? { Id: subscription.Id, Name: subscription.Name, SpaceId: spaceId } : {},
        Event: {
          Id: id,
          RelatedDocumentIds: related,
          Category: category,
          UserId: 'users-system',
          Username: 'system',
          IsService: false,
          IdentityEstablishedWith: '',
          UserAgent: 'Server',
          Occurred: occurred,
          Message: message,
          MessageHtml: message,
          MessageReferences: [],
          Comments: null,
          Details: null,
          ChangeDetails: { DocumentContext: null, Differences: null },
          SpaceId: spaceId,
          Links: { Self: `/api/events/${id}` },
        },
        BatchId: randomUUID(),
        TotalEventsInBatch: 1,
        EventNumberInBatch: 1,
      },
    };
    const header =
      (subscription?.EventNotificationSubscription.WebhookHeaderKey as string | undefined) ?? DEFAULT_HEADER;
    return octopusDelivery({ payload, header, secret });
  }

  const deploymentQueued = (n: number, secret?: string): SimulatedChange => {
    const template = data.deployments[n % Math.max(data.deployments.length, 1)];
    if (!template) throw new Error('octopus simulator: no deployment to copy');
    const id = `Deployments-${Math.max(...data.deployments.map((d) => number(d.Id))) + 1}`;
    const task = `ServerTasks-${Math.max(...data.deployments.map((d) => number(d.TaskId))) + 1}`;
    data.deployments.push({
      ...template,
      Id: id,
      TaskId: task,
      Created: octopusDate(now()),
      Links: { ...template.Links, Self: `/api/${template.SpaceId}/deployments/${id}` },
    });
    const related = [
      id,
      template.ProjectId,
      template.ReleaseId,
      template.EnvironmentId,
      task,
      template.ChannelId,
    ];
    return {
      description: `deployment ${id} queued`,
      delivery: deliver(template.SpaceId, 'DeploymentQueued', related, `Deploy ${id} queued`, secret),
    };
  };

  const releaseModified = (n: number, secret?: string): SimulatedChange => {
    const release = data.releases[(n * 5) % Math.max(data.releases.length, 1)] as OctopusRelease;
    release.ReleaseNotes = `Release notes edited by the simulator (${n + 1})`;
    return {
      description: `release ${release.Id} modified`,
      delivery: deliver(
        release.SpaceId,
        'Modified',
        [release.Id, release.ProjectId],
        `Release ${release.Version} modified`,
        secret,
      ),
    };
  };

  return (options = {}) => {
    const n = count++;
    return (n % 2 === 0 ? deploymentQueued : releaseModified)(n, options.secret);
  };
}
