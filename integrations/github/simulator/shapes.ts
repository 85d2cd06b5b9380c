/**
 * Render the simulator's records in GitHub's REST response shapes (field names, URL templates and
 * nullability from GitHub's OpenAPI description; checked by schema.test.ts against fixtures/).
 * `api` is the API root the request came to (origin plus `/api/v3` for the Enterprise layout).
 */
import type { SimOrg, SimPull, SimRepo, SimUser } from './data.js';

type Json = Record<string, unknown>;

const WEB = 'https://github.com';
const nodeId = (prefix: string, id: number) => Buffer.from(`${prefix}${id}`).toString('base64');

/** `simple-user`: repository owners, PR authors. */
export function userJson(api: string, user: SimUser): Json {
  // Bot logins such as `dependabot[bot]` are percent-encoded in URLs; their web page is the app's.
  const u = `${api}/users/${encodeURIComponent(user.login)}`;
  const html =
    user.type === 'Bot' ? `${WEB}/apps/${user.login.replace(/\[bot\]$/, '')}` : `${WEB}/${user.login}`;
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId(user.type === 'Organization' ? '012:Organization' : '04:User', user.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
    gravatar_id: '',
    url: u,
    html_url: html,
    followers_url: `${u}/followers`,
    following_url: `${u}/following{/other_user}`,
    gists_url: `${u}/gists{/gist_id}`,
    starred_url: `${u}/starred{/owner}{/repo}`,
    subscriptions_url: `${u}/subscriptions`,
    organizations_url: `${u}/orgs`,
    repos_url: `${u}/repos`,
    events_url: `${u}/events{/privacy}`,
    received_events_url: `${u}/received_events`,
    type: user.type,
    user_view_type: 'public',
    site_admin: false,
  };
}

const orgUser = (org: string, id: number): SimUser => ({ login: org, id, type: 'Organization' });

/** `organization-full` (GET /orgs/{org}); the private counters only for an authenticated member. */
export function orgJson(api: string, org: SimOrg, repos: SimRepo[], authenticated: boolean): Json {
  const o = `${api}/orgs/${org.login}`;
  const publicRepos = repos.filter((r) => !r.private).length;
  const privateRepos = repos.length - publicRepos;
  const out: Json = {
    login: org.login,
    id: org.id,
    node_id: nodeId('012:Organization', org.id),
    url: o,
    repos_url: `${o}/repos`,
    events_url: `${o}/events`,
    hooks_url: `${o}/hooks`,
    issues_url: `${o}/issues`,
    members_url: `${o}/members{/member}`,
    public_members_url: `${o}/public_members{/member}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${org.id}?v=4`,
    description: org.description,
    name: org.name,
    company: org.name,
    blog: `https://${org.login}.example.com`,
    location: 'Remote',
    email: `opensource@${org.login}.example.com`,
    twitter_username: null,
    is_verified: true,
    has_organization_projects: true,
    has_repository_projects: true,
    public_repos: publicRepos,
    public_gists: 0,
    followers: Math.floor(org.id % 997),
    following: 0,
    html_url: `${WEB}/${org.login}`,
    created_at: org.createdAt,
    updated_at: org.updatedAt,
    archived_at: null,
    type: 'Organization',
  };
  if (!authenticated) return out;
  return {
    ...out,
    total_private_repos: privateRepos,
    owned_private_repos: privateRepos,
    private_gists: 0,
    disk_usage: repos.reduce((sum, r) => sum + r.size, 0),
    collaborators: 3,
    billing_email: `billing@${org.login}.example.com`,
    plan: { name: 'team', space: 976562499, private_repos: 999999, filled_seats: 12, seats: 20 },
    default_repository_permission: 'read',
    members_can_create_repositories: true,
    two_factor_requirement_enabled: true,
    members_allowed_repository_creation_type: 'all',
    members_can_create_public_repositories: true,
    members_can_create_private_repositories: true,
    members_can_create_internal_repositories: false,
    members_can_create_pages: true,
    members_can_create_public_pages: true,
    members_can_create_private_pages: true,
    members_can_fork_private_repositories: false,
    web_commit_signoff_required: false,
  };
}

/** The URL fields every repository shape shares. */
function repoUrls(api: string, repo: SimRepo): Json {
  const r = `${api}/repos/${repo.fullName}`;
  return {
    html_url: `${WEB}/${repo.fullName}`,
    url: r,
    forks_url: `${r}/forks`,
    keys_url: `${r}/keys{/key_id}`,
    collaborators_url: `${r}/collaborators{/collaborator}`,
    teams_url: `${r}/teams`,
    hooks_url: `${r}/hooks`,
    issue_events_url: `${r}/issues/events{/number}`,
    events_url: `${r}/events`,
    assignees_url: `${r}/assignees{/user}`,
    branches_url: `${r}/branches{/branch}`,
    tags_url: `${r}/tags`,
    blobs_url: `${r}/git/blobs{/sha}`,
    git_tags_url: `${r}/git/tags{/sha}`,
    git_refs_url: `${r}/git/refs{/sha}`,
    trees_url: `${r}/git/trees{/sha}`,
    statuses_url: `${r}/statuses/{sha}`,
    languages_url: `${r}/languages`,
    stargazers_url: `${r}/stargazers`,
    contributors_url: `${r}/contributors`,
    subscribers_url: `${r}/subscribers`,
    subscription_url: `${r}/subscription`,
    commits_url: `${r}/commits{/sha}`,
    git_commits_url: `${r}/git/commits{/sha}`,
    comments_url: `${r}/comments{/number}`,
    issue_comment_url: `${r}/issues/comments{/number}`,
    contents_url: `${r}/contents/{+path}`,
    compare_url: `${r}/compare/{base}...{head}`,
    merges_url: `${r}/merges`,
    archive_url: `${r}/{archive_format}{/ref}`,
    downloads_url: `${r}/downloads`,
    issues_url: `${r}/issues{/number}`,
    pulls_url: `${r}/pulls{/number}`,
    milestones_url: `${r}/milestones{/number}`,
    notifications_url: `${r}/notifications{?since,all,participating}`,
    labels_url: `${r}/labels{/name}`,
    releases_url: `${r}/releases{/id}`,
    deployments_url: `${r}/deployments`,
    git_url: `git://github.com/${repo.fullName}.git`,
    ssh_url: `git@github.com:${repo.fullName}.git`,
    clone_url: `${WEB}/${repo.fullName}.git`,
    svn_url: `${WEB}/${repo.fullName}`,
  };
}

/** The `repository` shape (as embedded in a pull request's head and base). */
export function repoJson(api: string, repo: SimRepo, orgId: number, openIssues: number): Json {
  const license = repo.license && {
    key: repo.license.key,
    name: repo.license.name,
    spdx_id: repo.license.spdxId,
    url: `${api}/licenses/${repo.license.key}`,
    node_id: nodeId('07:License', repo.license.key.length),
  };
  return {
    id: repo.id,
    node_id: nodeId('010:Repository', repo.id),
    name: repo.name,
    full_name: repo.fullName,
    private: repo.private,
    owner: userJson(api, orgUser(repo.org, orgId)),
    description: repo.description,
    fork: repo.fork,
    ...repoUrls(api, repo),
    mirror_url: null,
    homepage: null,
    language: repo.language,
    forks_count: repo.forks,
    forks: repo.forks,
    stargazers_count: repo.stars,
    watchers_count: repo.stars,
    watchers: repo.stars,
    size: repo.size,
    default_branch: repo.defaultBranch,
    open_issues_count: openIssues,
    open_issues: openIssues,
    is_template: false,
    topics: repo.topics,
    has_issues: true,
    has_projects: true,
    has_wiki: !repo.fork,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: repo.archived,
    disabled: false,
    visibility: repo.private ? 'private' : 'public',
    pushed_at: repo.pushedAt,
    created_at: repo.createdAt,
    updated_at: repo.updatedAt,
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
    allow_forking: !repo.private,
    web_commit_signoff_required: false,
    license,
  };
}

/** `full-repository` (GET /repos/{owner}/{repo}). */
export function fullRepoJson(api: string, repo: SimRepo, orgId: number, openIssues: number): Json {
  return {
    ...repoJson(api, repo, orgId, openIssues),
    organization: userJson(api, orgUser(repo.org, orgId)),
    network_count: repo.forks,
    subscribers_count: Math.floor(repo.stars / 10),
    allow_rebase_merge: true,
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
    temp_clone_token: null,
  };
}

/** `pull-request-simple` (items of GET /repos/{owner}/{repo}/pulls). */
export function pullJson(api: string, pull: SimPull, base: SimRepo, baseJson: Json, orgId: number): Json {
  const r = `${api}/repos/${pull.repo}`;
  const p = `${r}/pulls/${pull.number}`;
  const issue = `${r}/issues/${pull.number}`;
  const html = `${WEB}/${pull.repo}/pull/${pull.number}`;
  const statuses = `${r}/statuses/${pull.headSha}`;
  const owner = userJson(api, orgUser(base.org, orgId));
  return {
    url: p,
    id: pull.id,
    node_id: nodeId('011:PullRequest', pull.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issue,
    commits_url: `${p}/commits`,
    review_comments_url: `${p}/comments`,
    review_comment_url: `${r}/pulls/comments{/number}`,
    comments_url: `${issue}/comments`,
    statuses_url: statuses,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: userJson(api, pull.user),
    body: pull.body,
    labels: pull.labels.map((name, i) => ({
      id: base.id * 10 + i,
      node_id: nodeId('05:Label', base.id * 10 + i),
      url: `${r}/labels/${name}`,
      name,
      description: `${name} label`,
      color: 'd73a4a',
      default: true,
    })),
    milestone: null,
    active_lock_reason: null,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.closedAt,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: {
      label: `${base.org}:${pull.headRef}`,
      ref: pull.headRef,
      sha: pull.headSha,
      user: owner,
      repo: baseJson,
    },
    base: {
      label: `${base.org}:${base.defaultBranch}`,
      ref: base.defaultBranch,
      sha: pull.headSha.split('').reverse().join(''),
      user: owner,
      repo: baseJson,
    },
    _links: {
      self: { href: p },
      html: { href: html },
      issue: { href: issue },
      comments: { href: `${issue}/comments` },
      review_comments: { href: `${p}/comments` },
      review_comment: { href: `${r}/pulls/comments{/number}` },
      commits: { href: `${p}/commits` },
      statuses: { href: statuses },
    },
    author_association: pull.user.type === 'Bot' ? 'NONE' : 'MEMBER',
    auto_merge: null,
    draft: pull.draft,
  };
}

/** `private-user` (GET /user with a token). */
export function viewerJson(api: string, viewer: SimUser): Json {
  return {
    ...userJson(api, viewer),
    name: 'The Octocat',
    company: null,
    blog: '',
    location: null,
    email: null,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: 8,
    public_gists: 2,
    followers: 100,
    following: 9,
    created_at: '2011-01-25T18:44:36Z',
    updated_at: '2024-01-22T12:00:00Z',
    private_gists: 0,
    total_private_repos: 0,
    owned_private_repos: 0,
    disk_usage: 1000,
    collaborators: 0,
    two_factor_authentication: true,
  };
}
