import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SimApp } from "../app";

/**
 * A workspace role, as Render's API spells it (`teamMemberRole` in openapi.json; "values are always returned in
 * uppercase"). Render's docs: Admins have full access and may designate environments as protected; Developers have
 * access to the workspace's resources except those in a protected environment; Viewer and Billing members cannot
 * change resources. Contributor is treated like Developer for resources (Render documents no more than that here).
 */
export type WorkspaceRole = "ADMIN" | "DEVELOPER" | "WORKSPACE_CONTRIBUTOR" | "WORKSPACE_BILLING" | "WORKSPACE_VIEWER";

/** Roles that may change resources at all (outside protected environments). */
export const WRITE_ROLES: ReadonlySet<WorkspaceRole> = new Set<WorkspaceRole>(["ADMIN", "DEVELOPER", "WORKSPACE_CONTRIBUTOR"]);

/** A Render user (the person or machine account an API key belongs to). */
export interface UserRec {
  id: string;
  name: string;
  email: string;
}

/** A user's membership of a workspace (stored under the owner id). */
export interface MemberRec {
  userId: string;
  ownerId: string;
  role: WorkspaceRole;
}

/** An API key as stored: only its SHA-256 is kept (id of the `apiKey` document), never the key. */
interface ApiKeyRec {
  userId: string;
  /** The key's label, as in Render's dashboard (Account settings → API keys). */
  name: string;
}

/** The user behind a request, with its roles per workspace. */
export interface Principal {
  user: UserRec;
  roles: ReadonlyMap<string, WorkspaceRole>;
}

const PRODUCTION = "tea-alphastackprod000000";
const STAGING = "tea-stackguardstaging000";

/**
 * Seeded users (fixed ids, documented in sim/README.md). The operator holds the simulator's default key (the one
 * `npm start`, `npm run pulumi` and the tests use) and owns both workspaces, as the person who created them would on
 * Render. Every other user holds one generated key, written once to `<stateDir>/api-keys/<key>` (mode 0600).
 */
const SEEDED_USERS: ReadonlyArray<{ user: UserRec; key?: string; roles: Record<string, WorkspaceRole> }> = [
  {
    user: { id: "usr-stackguardoperator00", name: "stackguard simulator", email: "operator@stackguard.example" },
    roles: { [PRODUCTION]: "ADMIN", [STAGING]: "ADMIN" },
  },
  {
    user: { id: "usr-alphastackadmin00000", name: "AlphaStack platform admin", email: "admin@alphastack.example" },
    key: "alphastack-admin",
    roles: { [PRODUCTION]: "ADMIN" },
  },
  {
    user: { id: "usr-stackguardciprod0000", name: "stackguard CI (production)", email: "ci-production@stackguard.example" },
    key: "ci-production",
    roles: { [PRODUCTION]: "DEVELOPER" },
  },
  {
    user: { id: "usr-stackguardcistaging0", name: "stackguard CI (staging)", email: "ci-staging@stackguard.example" },
    key: "ci-staging",
    roles: { [STAGING]: "DEVELOPER" },
  },
  {
    user: { id: "usr-stackguardedge000000", name: "stackguard edge", email: "edge@stackguard.example" },
    key: "edge",
    roles: { [PRODUCTION]: "DEVELOPER", [STAGING]: "DEVELOPER" },
  },
  {
    user: { id: "usr-stackguardguardian00", name: "stackguard guardian", email: "guardian@stackguard.example" },
    key: "guardian",
    roles: { [PRODUCTION]: "WORKSPACE_VIEWER", [STAGING]: "WORKSPACE_VIEWER" },
  },
];

/** The operator: the user of the simulator's default key. */
export const OPERATOR_USER_ID = "usr-stackguardoperator00";

/** Names of the generated per-user keys (files under `<stateDir>/api-keys/`). */
export type SeededKeyName = "alphastack-admin" | "ci-production" | "ci-staging" | "edge" | "guardian";

function keyHash(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** The generated keys of a state directory (created once, then read): name → key. */
export function seededKeys(stateDir: string): Record<SeededKeyName, string> {
  const dir = join(stateDir, "api-keys");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const out: Record<string, string> = {};
  for (const { key } of SEEDED_USERS) {
    if (!key) continue;
    const file = join(dir, key);
    if (!existsSync(file)) {
      try {
        writeFileSync(file, `rnd_${randomBytes(24).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
    }
    out[key] = readFileSync(file, "utf8").trim();
  }
  return out as Record<SeededKeyName, string>;
}

/** Seeds the users, their memberships and the hashes of their keys. Idempotent; roles changed later are kept. */
export function seedUsers(app: SimApp, keys: Record<SeededKeyName, string>): void {
  for (const { user, key, roles } of SEEDED_USERS) {
    if (!app.store.get("user", user.id)) app.store.insert("user", user.id, user, null);
    for (const [ownerId, role] of Object.entries(roles)) {
      const id = `${user.id}:${ownerId}`;
      if (!app.store.get("member", id)) app.store.insert("member", id, { userId: user.id, ownerId, role } satisfies MemberRec, ownerId);
    }
    if (key) {
      const id = keyHash(keys[key as SeededKeyName]);
      if (!app.store.get("apiKey", id)) app.store.insert("apiKey", id, { userId: user.id, name: key } satisfies ApiKeyRec, user.id);
    }
  }
}

/** The principal of a user id (undefined for an unknown user). */
export function principalOf(app: SimApp, userId: string): Principal | undefined {
  const user = app.store.get<UserRec>("user", userId);
  if (!user) return undefined;
  const roles = new Map<string, WorkspaceRole>();
  for (const m of app.store.list<MemberRec>("member")) if (m.data.userId === userId) roles.set(m.data.ownerId, m.data.role);
  return { user, roles };
}

/** The principal of a stored (non-default) API key, or undefined when no user holds it. */
export function principalForKey(app: SimApp, key: string): Principal | undefined {
  if (!key) return undefined;
  const rec = app.store.get<ApiKeyRec>("apiKey", keyHash(key));
  return rec ? principalOf(app, rec.userId) : undefined;
}

/** Members of a workspace with their users. */
export function membersOf(app: SimApp, ownerId: string): Array<{ user: UserRec; role: WorkspaceRole }> {
  return app.store
    .list<MemberRec>("member", ownerId)
    .map((m) => ({ user: app.store.get<UserRec>("user", m.data.userId), role: m.data.role }))
    .filter((m): m is { user: UserRec; role: WorkspaceRole } => m.user !== undefined);
}
