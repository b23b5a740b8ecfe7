// The browser suite inside a module Worker: the ESM entry loaded by URL (import maps do not
// reach workers), the same checks as the page, the results posted back to page.mjs.
import { runSuite } from "./suite.mjs";

self.onmessage = async ({ data }) => {
  let sdk;
  try {
    sdk = await import(new URL("../../browser.mjs", import.meta.url).href);
  } catch (err) {
    self.postMessage({ fatal: `import(browser.mjs) in a worker failed: ${err && err.stack ? err.stack : err}` });
    return;
  }
  self.postMessage({ results: await runSuite(sdk, data.devnet) });
};
