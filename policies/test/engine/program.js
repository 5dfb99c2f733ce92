// A minimal Pulumi program for the pack's engine test: plain dynamic resources carrying this project's type tokens,
// shaped by the stack config `sgtest:scenario`. Its provider only echoes inputs (no Render involved).
const pulumi = require("@pulumi/pulumi");

const scenario = new pulumi.Config("sgtest").get("scenario") || "ok";
const echo = {
  create: async (inputs) => ({ id: `id-${Object.keys(inputs).length}-${Date.now()}`, outs: inputs }),
  diff: async (_id, olds, news) => {
    const strip = ({ __provider, ...rest }) => JSON.stringify(rest);
    return { changes: strip(olds) !== strip(news) };
  },
  update: async (_id, _olds, news) => ({ outs: news }),
  delete: async () => {},
};
class R extends pulumi.dynamic.Resource {
  constructor(name, props, type) {
    super(echo, name, props, undefined, type.split(":")[0], type.split(":")[1]);
  }
}

// In production the allowlist pins the provider code digest that the project's loader records (infra/providers/
// dynamic.ts); this echo stands in for the project's Service, so the test hands it the reviewed digest.
const digest = new pulumi.Config("sgtest").get("digest");
new R(
  "api-blue",
  {
    name: "api-blue",
    type: "web_service",
    ownerId: "tea-stackguardtest00000",
    healthCheckPath: "/healthz",
    numInstances: 2,
    ...(digest ? { stackguardProviderDigest: digest } : {}),
  },
  "render:Service",
);
if (scenario === "secret-env")
  new R(
    "api-env",
    { serviceId: "srv-ourapiblue000000000", values: pulumi.secret({ DATABASE_URL: "postgres://app:CANARY-pw@db.internal/app" }) },
    "render:EnvVars",
  );
if (scenario === "plain-env")
  new R("api-env", { serviceId: "srv-ourapiblue000000000", values: { DATABASE_URL: "postgres://app:CANARY-pw@db.internal/app" } }, "render:EnvVars");
if (scenario === "alphastack-env") new R("engine-env", { serviceId: "srv-alphastackengine0000", values: pulumi.secret({ A: "b" }) }, "render:EnvVars");
