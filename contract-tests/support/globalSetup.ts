import { startPrism } from "./prism";

export default async function globalSetup(): Promise<void> {
  const prism = await startPrism();
  // Test workers are spawned after this and inherit the environment.
  process.env.PRISM_URL = prism.url;
  (globalThis as { __PRISM__?: unknown }).__PRISM__ = prism.process;
}
