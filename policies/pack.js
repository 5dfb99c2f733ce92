"use strict";
// The policy pack's entry point (package.json "main"): the compiled pack, rebuilt first when its sources changed
// (policies/build.js). Loaded by the engine without ts-node (PulumiPolicy.yaml: typescript: false).
require("./build").ensurePackBuilt();
// Before the SDK loads: typescript and @npmcli/arborist wait until something uses them (policies/lazy-sdk.js).
require("./lazy-sdk").deferUnusedSdkModules();
require("./dist/policies/index.js");
