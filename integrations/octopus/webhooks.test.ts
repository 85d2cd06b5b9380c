import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { compileJq } from '../../src/mapping/jq.js';
import { openIntegration } from '../../src/sync/open-integration.js';
import { recordFetcher } from '../../src/webhooks/fetch-record.js';
import { registerWebhooks, registrationLine } from '../../src/webhooks/register.js';
import { type OctopusSimulator, startOctopusSimulator } from './simulator/index.js';

const DIR = fileURLToPath(new URL('.', import.meta.url));
const SECRET = 'octo-shared-secret-93af';
const PUBLIC = 'https://hooks.example.test';
const SIZE = {
  spaces: 2,
  projectsPerSpace: 2,
  releasesPerProject: 3,
  deploymentsPerRelease: 1,
  machinesPerSpace: 0,
};

describe('octopus webhooks: subscriptions and reference deliveries', () => {
  let sim: OctopusSimulator | undefined;
  const open = async (extra: string[] = []) => {
    const settings = sim?.settings ?? [];
    return openIntegration(DIR, {
      set: [...settings, `webhookSecret=${SECRET}`, 'webhookSpaces=Spaces-1,Spaces-2', ...extra],
    });
  };
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('one subscription per space, however often it runs; the header value is never shown back', async () => {
    sim = await startOctopusSimulator({ size: SIZE });
    const octopus = await open();
    try {
      const first = await registerWebhooks(octopus, { publicUrl: PUBLIC });
      const second = await registerWebhooks(octopus, { publicUrl: PUBLIC });
      expect([...first, ...second].map(registrationLine)).toEqual([
        'space=Spaces-1: created',
        'space=Spaces-2: created',
        'space=Spaces-1: exists',
        'space=Spaces-2: exists',
      ]);
    } finally {
      await octopus.close();
    }
    expect(
      sim.subscriptions.subscriptions.map((s) => [
        s.SpaceId,
        s.EventNotificationSubscription.WebhookURI,
        s.EventNotificationSubscription.WebhookHeaderKey,
        s.EventNotificationSubscription.WebhookHeaderValue,
      ]),
    ).toEqual([
      ['Spaces-1', `${PUBLIC}/webhooks/octopus`, 'X-Inlet-Webhook-Secret', SECRET],
      ['Spaces-2', `${PUBLIC}/webhooks/octopus`, 'X-Inlet-Webhook-Secret', SECRET],
    ]);
    const listed = await fetch(`${sim.url}/api/Spaces-1/subscriptions`, {
      headers: { 'x-octopus-apikey': 'API-INLETSIMULATOR0000000001' },
    });
    expect(await listed.text()).not.toContain(SECRET);
  });

  it('without SubscriptionEdit the right is named and nothing is created', async () => {
    sim = await startOctopusSimulator({ size: SIZE, subscriptionAccess: 'view' });
    const octopus = await open(['webhookSpaces=Spaces-1']);
    try {
      expect((await registerWebhooks(octopus, { publicUrl: PUBLIC })).map(registrationLine)).toEqual([
        'space=Spaces-1: missing right: SubscriptionEdit in Spaces-1 (an API key whose user may view and edit subscriptions) (POST /api/Spaces-1/subscriptions answered 403)',
      ]);
    } finally {
      await octopus.close();
    }
    expect(sim.subscriptions.subscriptions).toEqual([]);
  });

  it("a delivery's reference reads, through the kind's get, the record a sync would list", async () => {
    sim = await startOctopusSimulator({ size: SIZE });
    const octopus = await open();
    const client = octopus.connect();
    try {
      const events = (
        octopus.loaded.manifest.webhooks as { events: Array<{ when: string; kind: string; record: string }> }
      ).events;
      const fetcher = recordFetcher(
        octopus.loaded.manifest.resources,
        client,
        octopus.loaded.settings.values,
      );
      for (const expected of ['deployment', 'release']) {
        const change = sim.change({ secret: SECRET });
        expect(change.delivery.headers['X-Inlet-Webhook-Secret']).toBe(SECRET);
        const delivery = { headers: {}, body: JSON.parse(change.delivery.body) as unknown };
        let matched: { kind: string; reference: unknown } | undefined;
        for (const event of events) {
          const [when] = await (await compileJq(event.when, 'when')).run(delivery);
          if (when !== true) continue;
          matched = {
            kind: event.kind,
            reference: (await (await compileJq(event.record, 'record')).run(delivery))[0],
          };
          break;
        }
        expect(matched?.kind).toBe(expected);
        const record = await fetcher.fetch(matched?.kind ?? '', matched?.reference);
        const reference = matched?.reference as { Id: string; SpaceId: string };
        const listed =
          expected === 'deployment'
            ? sim.data.deployments.find((d) => d.Id === reference.Id)
            : sim.data.releases.find((r) => r.Id === reference.Id);
        expect(record).toEqual(JSON.parse(JSON.stringify(listed)));
        expect(reference.SpaceId).toBe(listed?.SpaceId);
      }
    } finally {
      await client.close();
      await octopus.close();
    }
  });
});
