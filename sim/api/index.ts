import type { Route } from "../http/router";
import { cronJobRoutes } from "./cronjobs";
import { customDomainRoutes } from "./customdomains";
import { dedicatedIpRoutes } from "./dedicatedips";
import { deployRoutes } from "./deploys";
import { diskRoutes } from "./disks";
import { envGroupRoutes } from "./envgroups";
import { envVarRoutes } from "./envvars";
import { eventRoutes } from "./events";
import { integrationRoutes } from "./integrations";
import { keyValueRoutes } from "./keyvalue";
import { logStreamRoutes } from "./logstreams";
import { metricRoutes } from "./metrics";
import { notificationRoutes } from "./notifications";
import { ownerRoutes } from "./owners";
import { postgresRoutes } from "./postgres";
import { projectRoutes } from "./projects";
import { serviceRoutes } from "./services";
import { staticSiteRoutes } from "./staticsite";
import { userRoutes } from "./users";

/** Every Render API route the simulator serves. */
export function allRoutes(): Route[] {
  return [
    ...serviceRoutes(),
    ...deployRoutes(),
    ...envVarRoutes(),
    ...customDomainRoutes(),
    ...envGroupRoutes(),
    ...postgresRoutes(),
    ...projectRoutes(),
    ...ownerRoutes(),
    ...notificationRoutes(),
    ...metricRoutes(),
    ...eventRoutes(),
    ...logStreamRoutes(),
    ...diskRoutes(),
    ...staticSiteRoutes(),
    ...keyValueRoutes(),
    ...integrationRoutes(),
    ...cronJobRoutes(),
    ...dedicatedIpRoutes(),
    ...userRoutes(),
  ];
}
