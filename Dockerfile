# hono-tls-operator. Same Node major as the tests (package.json devDependency "node": "^24").
#   docker build -t hono-tls-operator:0.1.0 .
# test/integration/entrypoint-start.test.ts runs this image's start command (production deps only).

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the npm "node" devDependency would fetch a second Node binary.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY operator ./operator
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# Numeric, so Kubernetes can verify runAsNonRoot (deploy/base/deployment.yaml runs as 1000 too).
USER 1000:1000
EXPOSE 8080 8081
ENTRYPOINT ["node", "dist/operator/main.js"]
