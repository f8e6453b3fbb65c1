# One image for every service: Node 24 runs the TypeScript sources directly (type stripping), so there is no
# build stage. Compose picks the service with `command`.
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY packages/core/package.json packages/core/
COPY packages/messaging/package.json packages/messaging/
COPY packages/transform/package.json packages/transform/
COPY services/fetcher/package.json services/fetcher/
COPY services/transformer/package.json services/transformer/
COPY services/writer/package.json services/writer/
COPY services/demo-api/package.json services/demo-api/
RUN npm ci --omit=dev --no-audit --no-fund
COPY packages packages
COPY services services
USER node
