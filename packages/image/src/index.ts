export {
  buildImage,
  buildNatsImage,
  importImage,
  defaultCacheDir,
  projectVersion,
  type BuiltImage,
  type BuildOptions,
} from "./build.js";
export { stageApp } from "./app.js";
export {
  LIVESYNC_IMAGE,
  NATS_IMAGE,
  APP_DIR,
  CLI_MAIN,
  fullImageName,
  type ImageSpec,
} from "./spec.js";
