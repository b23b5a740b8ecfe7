// A TypeScript consumer of the package, compiled with `tsc --strict --noEmit` by `make
// test-npm` (never run): it proves index.d.ts resolves through the package's exports and that
// its types are precise. Each `@ts-expect-error` line must be a type error, or tsc fails.
import { MantraError, ManualClock, sleepMs, version } from "mantra-sdk";
import type { MantraErrorCode, MantraErrorDetails } from "mantra-sdk";

async function main(): Promise<void> {
  const v: string = version();

  using clock = new ManualClock();
  const pending: Promise<void> = clock.sleepMs(10);
  await clock.advance(10);
  await pending;
  const now: number = clock.nowMs;
  const waiting: number = clock.pendingSleeps;
  await sleepMs(1);

  const other = new ManualClock();
  other.free();

  try {
    await clock.advance(-1);
  } catch (e: unknown) {
    if (e instanceof MantraError) {
      const code: MantraErrorCode = e.code;
      const retry: boolean = e.retryable;
      const field: string | undefined = e.field;
      const status: number | undefined = e.status;
      const name: "MantraError" = e.name;
      const asError: Error = e;
      console.log(code, retry, field, status, name, asError.message);
    }
  }

  const details: MantraErrorDetails = { status: 503, retryable: true, cause: new Error("x") };
  const mine = new MantraError("transport", "upstream down", details);
  switch (mine.code) {
    case "transport":
    case "timeout":
      break;
    default: {
      const rest: Exclude<MantraErrorCode, "transport" | "timeout"> = mine.code;
      console.log(rest);
    }
  }

  // @ts-expect-error durations are numbers of milliseconds
  await clock.advance("10");
  // @ts-expect-error the argument is required
  await sleepMs();
  // @ts-expect-error nowMs is read-only
  clock.nowMs = 5;
  // @ts-expect-error unknown error codes are rejected
  new MantraError("bogus", "x");
  // @ts-expect-error version() returns a string
  const n: number = version();
  // @ts-expect-error advance resolves with nothing
  const r: number = await clock.advance(1);
  // @ts-expect-error code is read-only
  mine.code = "closed";

  console.log(v, now, waiting, n, r);
}

void main();
