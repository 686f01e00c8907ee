# syntax=docker/dockerfile:1
# Caseloop API and worker: one image, two commands (see docker-compose.yml).
#   API (default): node dist/src/api/main.js
#   worker:        node dist/worker.js
#   migrations:    node dist/src/cli/migrate.js

# Node 20 is past end of life; 24 is an LTS line CI tests (as are 22 and 26, see README "Node.js versions").
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: full dependency tree, compile TypeScript, then drop dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# Lockfile first, so source edits don't invalidate the dependency layer.
COPY package.json package-lock.json ./
# Install with scripts off, then run only the install scripts package.json approves in
# `allowScripts`. npm 12 enforces that list itself; the older npm bundled with the image ignores it,
# so this keeps the image to the project's policy whatever npm runs here.
RUN npm ci --ignore-scripts --no-audit --no-fund \
  && allowed="$(node -p "Object.entries(require('./package.json').allowScripts || {}).filter(([, ok]) => ok === true).map(([name]) => name).join(' ')")" \
  && if [ -n "$allowed" ]; then npm rebuild $allowed; fi

COPY tsconfig.json tsconfig.build.json worker.ts ./
COPY src ./src
# tsc keeps source paths under dist/ (dist/worker.js, dist/src/api/main.js, dist/src/cli/migrate.js).
RUN npm run build
# tsc emits no .sql: the migrations must sit next to dist/src/db/migrate.js, which reads them from
# its own directory. The build script copies them as well; this keeps the image right if that changes.
COPY src/db/migrations ./dist/src/db/migrations
RUN npm prune --omit=dev --no-audit --no-fund

# ---- runtime: production dependencies and compiled output only ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app

# Root-owned and run as the image's unprivileged `node` user: the app cannot rewrite its own code.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

USER node
EXPOSE 3000
# No HEALTHCHECK here: the worker and migrations share this image and serve no HTTP. Compose checks
# the API's GET /healthz instead.
CMD ["node", "dist/src/api/main.js"]
