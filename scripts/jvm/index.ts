/**
 * Running JVM services from Maven jars: find a Java runtime, resolve a classpath, spawn, probe readiness, stop.
 * A service (the Kafka broker in scripts/kafka/, later a schema registry) adds only its artifacts, config and probe.
 */
export { chooseJava, findJava, javaCandidates, parseJavaVersion } from './java.js';
export type { FindJavaOptions, JavaCandidate, JavaRuntime, JavaSource } from './java.js';
export {
  artifactCoordinates,
  artifactFileName,
  classpathFolderName,
  classpathOf,
  copyArtifactFile,
  jarFileName,
  parseArtifact,
  renderPom,
  resolveClasspath,
  type ArtifactFileRequest,
  type ClasspathRequest,
  type MavenArtifact,
  type MavenFile,
} from './maven.js';
export {
  allOf,
  httpGetProbe,
  logLineProbe,
  probeContextAtSpawn,
  tcpPortProbe,
  waitForReady,
  type HttpGetProbeOptions,
  type ProbeContext,
  type ReadinessProbe,
  type ReadyOutcome,
  type WaitForReadyOptions,
} from './readiness.js';
export {
  javaArguments,
  JvmService,
  type JvmCommandLine,
  type JvmLaunch,
  type JvmServiceOptions,
  type JvmServiceSettings,
} from './service.js';
