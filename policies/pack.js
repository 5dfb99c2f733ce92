"use strict";
// The policy pack's entry point (package.json "main"): the compiled pack, rebuilt first when its sources changed
// (policies/build.js). Loaded by the engine without ts-node (PulumiPolicy.yaml: typescript: false).
require("./build").ensurePackBuilt();
require("./dist/policies/index.js");
