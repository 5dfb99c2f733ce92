/**
 * The stackguard program: builds one environment (staging or production) from its stack config.
 * The config is validated first, so a bad value fails the preview before any resource is touched.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "../infra/config/load";
import { readRawStackConfig, readStackSecrets } from "./read-config";
import { buildPlatform } from "./platform";
import { readRuntimeMode } from "./runtime-mode";

const config = parseStackConfig(pulumi.getStack(), readRawStackConfig());
const platform = buildPlatform(config, readStackSecrets(config), readRuntimeMode());

export const environment = config.environment;
export const ownerId = config.render.ownerId;
export const region = config.render.region;
export const edgeUrl = platform.edgeUrl;
/** Secret: the edge admin token (`npm run rollback` reads it with `pulumi stack output --show-secrets`). */
export const edgeAdminToken = platform.edgeAdminToken;
export const apps = platform.apps;
export const database = platform.database;
export const alphaStack = platform.alphaStack;
