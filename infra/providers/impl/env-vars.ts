import { ENV_KEY } from "./names";
import { serviceListProvider } from "./service-list";

/** The dynamic provider for `render:EnvVars`: a service's env vars, values secret. */
export const provider = serviceListProvider({
  kind: "EnvVars",
  field: "values",
  suffix: "env-vars",
  nameRule: [ENV_KEY, "env var keys are letters, digits and '_' (not starting with a digit)"],
  list: async (c, id) => (await c.serviceEnv.listEnvVars(id)).map((e) => [e.key, e.value]),
  replace: async (c, id, entries) => {
    await c.serviceEnv.replaceEnvVars(
      id,
      entries.map(([key, value]) => ({ key, value })),
    );
  },
});
