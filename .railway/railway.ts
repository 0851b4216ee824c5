// CraftFlow on Railway: PostgreSQL, Redis, the API (migrations as its pre-deploy step) and the Worker.
//
// Railway reads this file, not railway.toml: config as code stopped being read on 2026-12-01.
// `railway config plan` shows what `railway config apply` would change (Railway CLI 5.42.1+, Node 22.6+).
// The CLI runs this file with `node --experimental-strip-types` and calls the default export with an
// empty context, so: erasable TypeScript only, and nothing here depends on the context.
// The file owns the whole environment: a variable set in the dashboard and not named here is deleted on
// apply, which is why the optional settings an operator sets by hand are declared with preserve().
import { defineRailway, postgres, preserve, project, redis, service } from "railway/iac";

// Both services build from the repository root with their own Dockerfile (the projects reference
// their siblings). Watch patterns are gitignore-style from the repository root: a change outside a
// service's list does not redeploy it.
const sharedSources = [
  "/CraftFlow.ServiceDefaults/**",
  "/CraftFlow.Data/**",
  "/CraftFlow.Imaging/**",
  "/CraftFlow.Caching/**",
  "/Directory.Build.props",
  "/Directory.Packages.props",
  "/global.json",
  "/.dockerignore",
];

// The port both services listen on ([::] and 0.0.0.0) and Railway's health check probes.
const port = "8080";

export default defineRailway(() => {
  const db = postgres("postgres");
  const cache = redis("redis");

  // What the API and the Worker share. DATABASE_URL and REDIS_URL are Railway's URLs on the private
  // network; the services map them onto ConnectionStrings__craftflowdb and ConnectionStrings__cache.
  const common = {
    ASPNETCORE_ENVIRONMENT: "Production",
    DATABASE_URL: db.env.DATABASE_URL,
    REDIS_URL: cache.env.REDIS_URL,
    PORT: port,
    // A Railway volume attaches to one service only: API and Worker share images through PostgreSQL.
    STORAGE_PROVIDER: "postgres",
    // The API's pre-deploy step migrates; no service migrates on start.
    MIGRATION_MODE: "manual",
    // Optional: without Etsy keys the Etsy routes answer 503. Set them in the dashboard.
    ETSY_CLIENT_ID: preserve(),
    ETSY_SHARED_SECRET: preserve(),
    ETSY_REDIRECT_URI: preserve(),
    // Optional: an OTLP collector for traces, metrics and logs.
    OTEL_EXPORTER_OTLP_ENDPOINT: preserve(),
    OTEL_EXPORTER_OTLP_HEADERS: preserve(),
  };

  const api = service("api", {
    build: {
      builder: "DOCKERFILE",
      dockerfilePath: "CraftFlow.Api/Dockerfile",
      watchPatterns: ["/CraftFlow.Api/**", "/CraftFlow.MigrationService/**", ...sharedSources],
    } as const,
    // Runs in a container of the API's image before the new deployment starts; a non-zero exit
    // stops the deployment. Safe to run twice, and from two deployments at once.
    preDeploy: "dotnet /app/migrate/CraftFlow.MigrationService.dll --contentRoot /app/migrate",
    healthcheck: "/health",
    healthcheckTimeout: 120,
    // Stateless: tokens, cache entries and images live in PostgreSQL and Redis.
    replicas: 2,
    deploy: { restartPolicyType: "ON_FAILURE", restartPolicyMaxRetries: 10 },
    env: { ...common, OTEL_SERVICE_NAME: "craftflow-api" },
  });

  const worker = service("worker", {
    build: {
      builder: "DOCKERFILE",
      dockerfilePath: "CraftFlow.Worker/Dockerfile",
      watchPatterns: ["/CraftFlow.Worker/**", ...sharedSources],
    } as const,
    // The Worker serves /health and /alive on PORT, no public routes.
    healthcheck: "/health",
    healthcheckTimeout: 120,
    replicas: 1,
    // A worker that stops for any reason, even exit 0, is missing capacity.
    deploy: { restartPolicyType: "ALWAYS" },
    env: { ...common, OTEL_SERVICE_NAME: "craftflow-worker", WORKER_CONCURRENCY: "2" },
  });

  return project("craftflow", { resources: [db, cache, api, worker] });
});
