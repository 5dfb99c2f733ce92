"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { ROOT } = require("./setup");

/**
 * The `--policy-pack` arguments every preview and up uses: the project's pack, and its per-stack config when one
 * exists (`policies/config/<stack>.json`, falling back to a `default.json` there when one exists).
 */
function policyPackArgs(stack) {
  const args = ["--policy-pack", path.join(ROOT, "policies")];
  for (const name of [`${stack}.json`, "default.json"]) {
    const file = path.join(ROOT, "policies", "config", name);
    if (fs.existsSync(file)) {
      args.push("--policy-pack-config", file);
      break;
    }
  }
  return args;
}

module.exports = { policyPackArgs };
