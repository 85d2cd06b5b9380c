import { isInletError } from '../errors/errors.js';
import type { LoadedManifest } from '../manifest/load.js';
import { renderDeep, renderTemplate } from '../manifest/template.js';
import { compilePlan } from './compile-plan.js';
import { type ConnectOptions, connect } from './connect.js';
import type { PlanData, SyncPlan } from './plan.js';
import { planData } from './plan-data.js';

export type Verdict =
  | 'ok'
  | 'bad credentials'
  | 'forbidden'
  | 'unreachable'
  | 'wrong base URL'
  | 'rate limited'
  | 'failed';

export interface CheckResult {
  verdict: Verdict;
  /** A sentence a person can act on. */
  detail: string;
  method: string;
  url?: string;
  status?: number;
  code?: string;
}

/**
 * `inlet check`: one cheap authenticated request (`connection.check`, or the first page of the
 * first top-level kind) and a verdict in words, mapped from the typed error codes.
 */
export async function checkConnection(
  loaded: LoadedManifest,
  options: Omit<ConnectOptions, 'retry'> = {},
  compile: (data: PlanData) => Promise<SyncPlan> = (data) => compilePlan(data),
): Promise<CheckResult> {
  const client = connect(loaded, { ...options, retry: false });
  const config = { config: loaded.settings.values };
  let path: string;
  let query: Record<string, string | number | boolean> | undefined;
  if (loaded.manifest.connection.check) {
    path = renderTemplate(loaded.manifest.connection.check.path, config, { encodePath: true });
    query = renderDeep(loaded.manifest.connection.check.query ?? {}, config) as typeof query;
  } else {
    const plan = await compile(planData(loaded));
    const first = plan.kinds.find((k) => !k.parent)?.chains()[0];
    path = first?.path ?? '/';
    query = first?.query as typeof query;
  }
  try {
    const res = await client.get(path, { query });
    return {
      verdict: 'ok',
      detail: `connected: ${res.status} from ${res.url}`,
      method: 'GET',
      url: res.url,
      status: res.status,
    };
  } catch (error) {
    if (!isInletError(error)) throw error;
    const base = { method: 'GET', url: error.url, status: error.status, code: error.code };
    return { ...base, ...explain(error.code, error.message) };
  } finally {
    await client.close();
  }
}

const VERDICTS: Record<string, [Verdict, string]> = {
  E_AUTH: ['bad credentials', 'the API rejected the credentials (401): check the token or key settings'],
  E_FORBIDDEN: ['forbidden', 'the credentials are valid but lack permission for this request (403)'],
  E_NOT_FOUND: ['wrong base URL', 'the API answered 404: check baseUrl (and its path prefix)'],
  E_NETWORK: ['unreachable', 'could not connect: check baseUrl, DNS and the network'],
  E_TIMEOUT: ['unreachable', 'no answer within the timeout'],
  E_RATE_LIMIT: ['rate limited', 'the API budget is spent for now: try again after the reset'],
};

function explain(code: string, message: string): { verdict: Verdict; detail: string } {
  const [verdict, detail] = VERDICTS[code] ?? ['failed', 'the request failed'];
  return { verdict, detail: `${detail} (${message})` };
}
