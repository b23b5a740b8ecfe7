// The shared smoke checks (checks.mjs) against the built package, loaded the way users load
// it: `import "mantra-sdk"` (package self-reference → exports → node.import → index.mjs).
import { test } from "node:test";

import * as sdk from "mantra-sdk";

import { checks } from "./checks.mjs";

for (const c of checks) {
  test(c.name, () => c.run(sdk));
}
