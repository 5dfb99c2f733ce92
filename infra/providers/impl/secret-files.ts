import { FILE_NAME } from "./names";
import { serviceListProvider } from "./service-list";

/** The dynamic provider for `render:SecretFiles`: a service's secret files, contents secret. */
export const provider = serviceListProvider({
  kind: "SecretFiles",
  field: "files",
  suffix: "secret-files",
  nameRule: [FILE_NAME, "secret file names are plain file names (no '/')"],
  list: async (c, id) => (await c.serviceEnv.listSecretFiles(id)).map((f) => [f.name, f.content]),
  replace: async (c, id, entries) => {
    await c.serviceEnv.replaceSecretFiles(
      id,
      entries.map(([name, content]) => ({ name, content })),
    );
  },
});
