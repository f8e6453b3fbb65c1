# One image for every service and the `tributary` command: Node 24 runs the TypeScript sources directly (type
# stripping), so nothing is compiled. Compose (or any orchestrator) picks what runs with the command:
#   node services/<fetcher|transformer|embedder|writer|demo-api>/src/main.ts   or   node packages/cli/src/main.ts …

# --- dependencies ----------------------------------------------------------------------------------------------
# Only the manifests, so that this layer is rebuilt when dependencies change, not when code does. Every workspace's
# package.json must be here: npm ci refuses a lock file whose workspaces it cannot find.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/cli/package.json packages/cli/
COPY packages/contracts/package.json packages/contracts/
COPY packages/core/package.json packages/core/
COPY packages/messaging/package.json packages/messaging/
COPY packages/transform/package.json packages/transform/
COPY services/demo-api/package.json services/demo-api/
COPY services/embedder/package.json services/embedder/
COPY services/fetcher/package.json services/fetcher/
COPY services/transformer/package.json services/transformer/
COPY services/writer/package.json services/writer/
# No production dependency has an install script; refusing them keeps a compromised package from running at build.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error

# --- runtime ---------------------------------------------------------------------------------------------------
FROM node:24-slim
ENV NODE_ENV=production
# The launcher's SERVICE_HEAP_FLAGS (packages/cli/src/launcher/service-env.ts): without them a busy service's heap
# grows with the machine's memory, not with its work.
ENV NODE_OPTIONS="--max-old-space-size=256 --max-semi-space-size=8"
WORKDIR /app
# The whole tree of the stage above, not only ./node_modules: npm nests a workspace's own copy of a dependency
# whose version differs from the hoisted one (services/fetcher/node_modules/lru-cache).
COPY --from=deps /app ./
COPY packages packages
COPY services services
# Root owns the code; the processes run as `node` and cannot change it.
USER node
# Each service answers /readyz on HTTP_PORT (default 9464); the demo API has no HTTP_PORT and compose gives it a
# check of its own. The start period covers the broker connection and topology declaration at start.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || '9464') + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
