import { environmentIsolation, IsolationSettings } from "../rules/isolation";
import { TYPES } from "../rules/types";
import { messages, res } from "./fixtures";

const ids = {
  production: ["tea-alphastackprod000000", "srv-prodapiblue000000000", "dpg-platformprod0000000-a"],
  staging: ["tea-stackguardstaging000", "srv-stagingapi0000000000"],
};
const staging: IsolationSettings = { environment: "staging", ids, readOnlyUrls: ["https://engine.alphastack.example/healthz"] };
const production: IsolationSettings = { ...staging, environment: "production" };

describe("environment-isolation", () => {
  const stagingEnv = { serviceId: "srv-stagingapi0000000000", values: { LOG_LEVEL: "debug" } };

  test("a staging resource naming only staging ids is compliant", () => {
    expect(environmentIsolation(res(TYPES.envVars, "e", stagingEnv, {}, "staging"), staging)).toEqual({ status: "compliant" });
  });

  test("a staging service in the production workspace is refused", () => {
    const m = messages(environmentIsolation(res(TYPES.service, "api", { name: "api-blue", ownerId: "tea-alphastackprod000000" }, {}, "staging"), staging));
    expect(m[0]).toBe(
      'render:Service "api" in staging must not refer to production: ownerId contains tea-alphastackprod000000. Use the staging counterpart (each environment has its own workspace, services, env groups and database).',
    );
  });

  test("a staging env var holding production's database host is refused", () => {
    const m = messages(
      environmentIsolation(
        res(TYPES.envVars, "e", { ...stagingEnv, values: { DB_HOST: "dpg-platformprod0000000-a.oregon-postgres.render.com" } }, {}, "staging"),
        staging,
      ),
    );
    expect(m[0]).toMatch(/values\.DB_HOST contains dpg-platformprod0000000-a/);
  });

  test("a staging link to an AlphaStack env group is refused (AlphaStack is production)", () => {
    const m = messages(
      environmentIsolation(
        res(TYPES.envGroupLink, "l", { envGroupId: "evg-alphastackenv0000000", serviceId: "srv-stagingapi0000000000" }, {}, "staging"),
        staging,
      ),
    );
    expect(m[0]).toMatch(/envGroupId contains evg-alphastackenv0000000/);
  });

  test("staging may probe AlphaStack's status URL (read-only)", () => {
    const r = environmentIsolation(
      res(TYPES.envVars, "e", { ...stagingEnv, values: { ALPHASTACK_STATUS: "https://engine.alphastack.example/healthz" } }, {}, "staging"),
      staging,
    );
    expect(r.status).toBe("compliant");
  });

  test("a production resource naming a staging service is refused", () => {
    const m = messages(
      environmentIsolation(res(TYPES.envGroupLink, "l", { envGroupId: "evg-prod0000000000000000", serviceId: "srv-stagingapi0000000000" }), production),
    );
    expect(m[0]).toMatch(/^render:EnvGroupLink "l" in production must not refer to staging: serviceId contains srv-stagingapi0000000000/);
  });

  test("a production resource in the production workspace is compliant", () => {
    expect(environmentIsolation(res(TYPES.service, "api", { name: "api-blue", ownerId: "tea-alphastackprod000000" }), production).status).toBe("compliant");
  });
});
