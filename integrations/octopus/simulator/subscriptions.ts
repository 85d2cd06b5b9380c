/**
 * Subscriptions in the Octopus simulator (octopus.com/docs/administration/managing-infrastructure/
 * subscriptions; REST: /api/{spaceId}/subscriptions): list (the usual collection envelope) and
 * create, SubscriptionView / SubscriptionEdit enforced, a name unique per space, and the shared
 * secret header value never shown back. Also single deployments and releases by id, which a
 * subscription delivery's references are read with.
 */
import type { Context, Hono } from 'hono';
import { collection } from './collection.js';
import type { OctopusData } from './data.js';
import { forbidden, notFound, octopusError } from './octopus-errors.js';

export interface SimSubscription {
  Id: string;
  SpaceId: string;
  Name: string;
  IsDisabled: boolean;
  EventNotificationSubscription: Record<string, unknown> & {
    WebhookURI?: string;
    WebhookHeaderValue?: string | null;
  };
}

/** What the simulator's key may do with subscriptions. @default 'edit' */
export type SubscriptionAccess = 'edit' | 'view' | 'none';

export interface SubscriptionState {
  subscriptions: SimSubscription[];
  access: SubscriptionAccess;
  /** `METHOD /path` of every subscription request, in arrival order. */
  calls: string[];
}

const shown = (s: SimSubscription) => ({
  Id: s.Id,
  Name: s.Name,
  Type: 'Event',
  IsDisabled: s.IsDisabled,
  EventNotificationSubscription: { ...s.EventNotificationSubscription, WebhookHeaderValue: null },
  SpaceId: s.SpaceId,
  Links: { Self: `/api/${s.SpaceId}/subscriptions/${s.Id}` },
});

/** Mount the routes on the simulator's API app (after its auth middleware). */
export function subscriptionRoutes(
  app: Hono,
  options: { data: OctopusData; state: SubscriptionState },
): void {
  const { data, state } = options;
  let nextId = 1;
  const space = (c: Context) => {
    const spaceId = c.req.param('spaceId') ?? '';
    return data.spaces.some((s) => s.Id === spaceId) ? spaceId : undefined;
  };

  app.get('/api/:spaceId/subscriptions', (c) => {
    state.calls.push(`GET ${new URL(c.req.url).pathname}`);
    const spaceId = space(c);
    if (!spaceId) return c.json(notFound(c.req.param('spaceId')), 404);
    if (state.access === 'none') return c.json(forbidden('SubscriptionView'), 403);
    const items = state.subscriptions.filter((s) => s.SpaceId === spaceId).map(shown);
    return collection(
      c,
      'Subscription',
      items,
      `/api/${spaceId}/subscriptions`,
      '{?skip,take,ids,partialName}',
    );
  });

  app.post('/api/:spaceId/subscriptions', async (c) => {
    state.calls.push(`POST ${new URL(c.req.url).pathname}`);
    const spaceId = space(c);
    if (!spaceId) return c.json(notFound(c.req.param('spaceId')), 404);
    if (state.access !== 'edit') return c.json(forbidden('SubscriptionEdit'), 403);
    const body = (await c.req.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    const notification = (body?.EventNotificationSubscription ??
      {}) as SimSubscription['EventNotificationSubscription'];
    if (typeof body?.Name !== 'string' || body.Name === '') {
      return c.json(octopusError('There was a problem with your request.', ['Please provide a name.']), 400);
    }
    if (state.subscriptions.some((s) => s.SpaceId === spaceId && s.Name === body.Name)) {
      return c.json(
        octopusError('There was a problem with your request.', [
          `The name '${body.Name}' is already in use.`,
        ]),
        400,
      );
    }
    const subscription: SimSubscription = {
      Id: `Subscriptions-${nextId++}`,
      SpaceId: spaceId,
      Name: body.Name,
      IsDisabled: body.IsDisabled === true,
      EventNotificationSubscription: { ...notification },
    };
    state.subscriptions.push(subscription);
    return c.json(shown(subscription), 201);
  });

  app.get('/api/:spaceId/deployments/:id', (c) => {
    const { spaceId, id } = c.req.param();
    const found = data.deployments.find((d) => d.Id === id && d.SpaceId === spaceId);
    return found ? c.json(found) : c.json(notFound(id), 404);
  });

  app.get('/api/:spaceId/releases/:id', (c) => {
    const { spaceId, id } = c.req.param();
    const found = data.releases.find((r) => r.Id === id && r.SpaceId === spaceId);
    return found ? c.json(found) : c.json(notFound(id), 404);
  });
}
